import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { UnprefixMain } from "../../src/input/xlsxUnprefix.js";

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
});
