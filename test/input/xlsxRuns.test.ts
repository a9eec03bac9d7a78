import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { JoinRuns, joinedRuns } from "../../src/input/xlsxRuns.js";

async function through(chunks: Buffer[]): Promise<string> {
  let out = "";
  for await (const piece of Readable.from(chunks).pipe(new JoinRuns("is"))) out += String(piece);
  return out;
}

describe("an inline string's runs, joined", () => {
  it("joins the runs' texts in order, leaves a string of one text as it is, drops phonetic runs", () => {
    expect(joinedRuns('<is><r><rPr><b/></rPr><t>Call back</t></r><r><t xml:space="preserve"> tomorrow</t></r></is>', "is")).toBe(
      '<is><t xml:space="preserve">Call back tomorrow</t></is>',
    );
    expect(joinedRuns("<is><t>one</t></is>", "is")).toBe("<is><t>one</t></is>");
    expect(joinedRuns('<is><t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh><phoneticPr fontId="1"/></is>', "is")).toBe(
      '<is><t xml:space="preserve">東京</t></is>',
    );
    expect(joinedRuns("<is><r><t>a &amp; </t></r><r><t/></r><r><t>b</t></r></is>", "is")).toBe('<is><t xml:space="preserve">a &amp; b</t></is>');
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

  it("never cuts a character in two between chunks: an emoji before a chunk's end comes out whole", async () => {
    expect(await through([Buffer.from('<c t="str"><v>😀bc'), Buffer.from("</v></c>")])).toBe('<c t="str"><v>😀bc</v></c>');
    const xml = Buffer.from('<c><v>a😀</v></c><c t="inlineStr"><is><t>b😀</t></is></c><c><v>😀<is</v></c>', "utf8");
    for (let cut = 1; cut < xml.length; cut++) {
      let chunks = 0;
      for await (const piece of Readable.from([xml.subarray(0, cut), xml.subarray(cut)]).pipe(new JoinRuns("is"))) {
        chunks++;
        // Each piece as exceljs reads it: decoded on its own.
        expect(Buffer.from(piece as Buffer).toString("utf8")).not.toContain("\ufffd");
      }
      expect(chunks).toBeGreaterThan(0);
    }
  });

  it("an empty run with attributes is an empty text, and the shared strings' entries are joined the same way", () => {
    expect(joinedRuns('<is><r><t xml:space="preserve"/></r><r><t>b</t></r></is>', "is")).toBe('<is><t xml:space="preserve">b</t></is>');
    expect(joinedRuns('<si><t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh></si>', "si")).toBe('<si><t xml:space="preserve">東京</t></si>');
    expect(joinedRuns("<is><r><t>a</t></r><!-- <t>zz</t> --><r><t>b</t></r></is>", "is")).toBe('<is><t xml:space="preserve">ab</t></is>');
  });
});
