import { describe, expect, it } from "vitest";
import { relationshipsOf, sheetsOf } from "../../src/input/xlsxLists.js";

describe("a workbook's lists, read from their XML", () => {
  it("reads its tabs in order: a '>' in a name, a commented-out tab, another tool's id attribute after r:id", () => {
    const xml =
      '<workbook xmlns:r="R"><sheets><!-- <sheet name="Old" sheetId="9" r:id="rId9"/> -->' +
      '<sheet name="a>b" sheetId="1" state="hidden" r:id="rId1"/><sheet name="Data &amp; more" sheetId="2" r:id="rId2" foo:id="x"/>' +
      "<sheet name='single' sheetId='3' rel:id='rId3'/></sheets></workbook>";
    expect(sheetsOf(xml)).toEqual([
      { name: "a>b", rId: "rId1", state: "hidden" },
      { name: "Data & more", rId: "rId2", state: "visible" },
      { name: "single", rId: "rId3", state: "visible" },
    ]);
  });

  it("reads the relationships, leaving out those outside the package and those commented out", () => {
    const xml =
      '<Relationships><Relationship Id="rId0" Type="t/sharedStrings" Target="http://x/s.xml" TargetMode="External"/>' +
      '<!-- <Relationship Id="rId8" Type="t/worksheet" Target="old.xml"/> -->' +
      '<Relationship Id="rId1" Type="t/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="t/sharedStrings" Target="a>b.xml"/></Relationships>';
    expect(relationshipsOf(xml)).toEqual([
      { id: "rId1", type: "t/worksheet", target: "worksheets/sheet1.xml" },
      { id: "rId2", type: "t/sharedStrings", target: "a>b.xml" },
    ]);
  });
});
