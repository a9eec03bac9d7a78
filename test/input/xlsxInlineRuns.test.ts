import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { JoinInlineRuns, joinedInline } from "../../src/input/xlsxInlineRuns.js";

async function through(chunks: Buffer[]): Promise<string> {
  let out = "";
  for await (const piece of Readable.from(chunks).pipe(new JoinInlineRuns())) out += String(piece);
  return out;
}

describe("an inline string's runs, joined", () => {
  it("joins the runs' texts in order, leaves a string of one text as it is, drops phonetic runs", () => {
    expect(joinedInline('<is><r><rPr><b/></rPr><t>Call back</t></r><r><t xml:space="preserve"> tomorrow</t></r></is>')).toBe(
      '<is><t xml:space="preserve">Call back tomorrow</t></is>',
    );
    expect(joinedInline("<is><t>one</t></is>")).toBe("<is><t>one</t></is>");
    expect(joinedInline('<is><t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh><phoneticPr fontId="1"/></is>')).toBe('<is><t xml:space="preserve">東京</t></is>');
    expect(joinedInline("<is><r><t>a &amp; </t></r><r><t/></r><r><t>b</t></r></is>")).toBe('<is><t xml:space="preserve">a &amp; b</t></is>');
  });

  it("gives the same text whatever the chunks: split at every byte, multi-byte characters included", async () => {
    const xml =
      '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><r><t>Rück</t></r><r><rPr><i/></rPr><t>ruf – 東京</t></r></is></c>' +
      '<c r="B1" t="inlineStr"><is><t>plain</t></is></c><c r="C1"><v>3</v></c></row></sheetData>';
    const want = xml.replace("<is><r><t>Rück</t></r><r><rPr><i/></rPr><t>ruf – 東京</t></r></is>", '<is><t xml:space="preserve">Rückruf – 東京</t></is>');
    const bytes = Buffer.from(xml, "utf8");
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(await through([bytes.subarray(0, cut), bytes.subarray(cut)])).toBe(want);
    }
    expect(await through([...bytes].map((b) => Buffer.from([b])))).toBe(want);
  });
});
