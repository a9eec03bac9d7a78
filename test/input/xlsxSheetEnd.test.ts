import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { SheetEnd } from "../../src/input/xlsxSheetEnd.js";

async function through(text: string): Promise<string> {
  let out = "";
  for await (const piece of Readable.from([Buffer.from(text)]).pipe(new SheetEnd())) out += String(piece);
  return out;
}

describe("a worksheet's end", () => {
  it("takes a sheet that ends with its closing tag, whatever follows it: spaces, a comment, a processing instruction", async () => {
    for (const after of ["", "\r\n", " ".repeat(200), "<!-- saved by a tool -->\n", '<?tool done="1"?>']) {
      const xml = `<worksheet><sheetData/></worksheet>${after}`;
      expect(await through(xml)).toBe(xml);
    }
    expect(await through("<x:worksheet><x:sheetData/></x:worksheet >\n")).toContain("</x:worksheet >");
  });

  it("fails a sheet cut before its closing tag", async () => {
    await expect(through('<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r=')).rejects.toThrow(/stops before its end/);
  });
});
