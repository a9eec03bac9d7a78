import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { UnprefixMain, wholeCharacters } from "../../src/input/xlsxUnprefix.js";

async function through(chunks: Buffer[]): Promise<string> {
  let out = "";
  for await (const piece of Readable.from(chunks).pipe(new UnprefixMain())) out += String(piece);
  return out;
}

const MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";

describe("a part's main namespace unprefixed", () => {
  it("takes the main namespace's prefix off every element, whatever the chunks", async () => {
    const xml = `<?xml version="1.0"?>\n<x:worksheet xmlns:x="${MAIN}" xmlns:r="rels"><x:sheetData><x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>a &lt;x:b&gt; – ü</x:t></x:is></x:c></x:row></x:sheetData></x:worksheet>`;
    const want = `<?xml version="1.0"?>\n<worksheet xmlns:x="${MAIN}" xmlns:r="rels"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>a &lt;x:b&gt; – ü</t></is></c></row></sheetData></worksheet>`;
    const bytes = Buffer.from(xml, "utf8");
    for (let cut = 1; cut < bytes.length; cut++) expect(await through([bytes.subarray(0, cut), bytes.subarray(cut)])).toBe(want);
  });

  it("leaves a part whose main namespace has no prefix, and other prefixes, as they are", async () => {
    const plain = `<worksheet xmlns="${MAIN}" xmlns:x="other"><sheetData><x:row/></sheetData></worksheet>`;
    expect(await through([Buffer.from(plain)])).toBe(plain);
  });

  it("passes an unprefixed part on whole characters at a time (exceljs decodes each chunk on its own)", async () => {
    const xml = Buffer.from(`<sst xmlns="${MAIN}"><si><t>Müller 東京 😀</t></si></sst>`, "utf8");
    for (let cut = 1; cut < xml.length; cut++) {
      let out = "";
      for await (const piece of Readable.from([xml.subarray(0, cut), xml.subarray(cut)]).pipe(new UnprefixMain())) {
        const text = Buffer.from(piece as Buffer).toString("utf8");
        expect(text).not.toContain("\ufffd");
        out += text;
      }
      expect(out).toBe(xml.toString("utf8"));
    }
    expect(wholeCharacters(Buffer.from("a😀", "utf8").subarray(0, 3))).toBe(1);
    expect(wholeCharacters(Buffer.from("aé", "utf8"))).toBe(3);
  });
});
