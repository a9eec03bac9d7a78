import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import JSZip from "jszip";
import { afterEach, describe, expect, it } from "vitest";
import { openSource } from "../../src/input/openSource.js";

// Workbooks as other tools write them: one exceljs writes, its parts then edited as such a tool would leave them.
let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function opened(rows: ExcelJS.CellValue[][]): Promise<JSZip> {
  dir ??= await mkdtemp(join(tmpdir(), "cb-xlsx-tools-"));
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet("first");
  for (const r of rows) sheet.addRow(r);
  const path = join(dir, "written.xlsx");
  await book.xlsx.writeFile(path);
  return JSZip.loadAsync(await readFile(path));
}

async function partText(zip: JSZip, name: string): Promise<string> {
  const part = zip.file(name);
  if (!part) throw new Error(`no ${name} in the workbook`);
  return part.async("string");
}

async function saved(zip: JSZip, name: string, comment?: string): Promise<string> {
  const path = join(dir as string, name);
  await writeFile(path, await zip.generateAsync({ type: "nodebuffer", compression: "DEFLATE", ...(comment ? { comment } : {}) }));
  return path;
}

async function all(path: string) {
  const src = await openSource(path, "csv");
  const out = [];
  for await (const r of src.records) out.push(r);
  return out;
}

describe("reading a workbook another tool saved", () => {
  it("a workbook saved by another tool is read: the relationships' namespace under another prefix, a ./ target, parts named otherwise, a long zip comment", async () => {
    const zip = await opened([
      ["contactId", "v"],
      ["c1", "x"],
    ]);
    const bookXml = await partText(zip, "xl/workbook.xml");
    const relsXml = await partText(zip, "xl/_rels/workbook.xml.rels");
    const sheetXml = await partText(zip, "xl/worksheets/sheet1.xml");
    // As an XML tool may write it back: the same namespace, another prefix.
    const renamed = bookXml.replaceAll("xmlns:r=", "xmlns:rel=").replaceAll(" r:id=", " rel:id=");
    expect(renamed).toContain("rel:id=");
    zip.remove("xl/worksheets/sheet1.xml");
    zip.file("xl/worksheets/Data.xml", sheetXml);
    // Its strings in a part of another name, and the workbook itself elsewhere: where the relationships say.
    const strings = await partText(zip, "xl/sharedStrings.xml");
    zip.remove("xl/sharedStrings.xml");
    zip.file("xl/text/strings.xml", strings);
    zip.remove("xl/workbook.xml");
    zip.remove("xl/_rels/workbook.xml.rels");
    zip.file("xl/book.xml", renamed);
    zip.file(
      "xl/_rels/book.xml.rels",
      relsXml.replace('Target="worksheets/sheet1.xml"', 'Target="./worksheets/Data.xml"').replace('Target="sharedStrings.xml"', 'Target="text/strings.xml"'),
    );
    const rootRels = await partText(zip, "_rels/.rels");
    expect(rootRels).toContain('Target="xl/workbook.xml"');
    zip.file("_rels/.rels", rootRels.replace('Target="xl/workbook.xml"', 'Target="/xl/book.xml"'));
    const other = await saved(zip, "other.xlsx", "saved by a tool that writes a comment longer than eighty bytes at the end of the zip");
    const out = await all(other);
    expect(out).toEqual([{ kind: "fields", line: 2, fields: ["c1", "x"] }]);
  });

  it("a workbook whose every element carries a prefix (as the .NET Open XML SDK writes it) is read whole", async () => {
    const zip = await opened([
      ["contactId", "v"],
      ["c1", "x"],
      ["c2", "y"],
    ]);
    const main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    for (const name of ["xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml"]) {
      const xml = await partText(zip, name);
      const prefixed = xml
        .replace(`xmlns="${main}"`, `xmlns:x="${main}"`)
        .replace(/<(\/?)([A-Za-z][\w]*)(?=[\s>/])/g, (whole, slash: string, tag: string) => (whole.startsWith("<?") ? whole : `<${slash}x:${tag}`));
      expect(prefixed).toContain("<x:");
      zip.file(name, prefixed);
    }
    const other = await saved(zip, "prefixed.xlsx");
    const out = await all(other);
    expect(out).toEqual([
      { kind: "fields", line: 2, fields: ["c1", "x"] },
      { kind: "fields", line: 3, fields: ["c2", "y"] },
    ]);
  });

  it("a shared string with a Japanese reading (furigana) reads as its text, not its reading", async () => {
    const zip = await opened([
      ["contactId", "city"],
      ["c1", "東京"],
    ]);
    const strings = await partText(zip, "xl/sharedStrings.xml");
    const withReading = strings.replace("<t>東京</t>", '<t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh><phoneticPr fontId="1"/>');
    expect(withReading).toContain("<rPh");
    zip.file("xl/sharedStrings.xml", withReading);
    const other = await saved(zip, "reading.xlsx");
    const out = await all(other);
    expect(out).toEqual([{ kind: "fields", line: 2, fields: ["c1", "東京"] }]);
  });

  it("a sheet whose XML stops mid-row (a damaged file, its zip whole) is refused, not read as the rows before the cut", async () => {
    const zip = await opened([
      ["contactId", "v"],
      ["c1", "x"],
      ["c2", "y"],
    ]);
    const sheetXml = await partText(zip, "xl/worksheets/sheet1.xml");
    zip.file("xl/worksheets/sheet1.xml", sheetXml.slice(0, sheetXml.indexOf('<row r="3"') + 8));
    const cut = await saved(zip, "cut-sheet.xlsx");
    await expect(all(cut)).rejects.toThrow(
      /cut-sheet\.xlsx: could not be read as an \.xlsx workbook \(its sheet's XML stops before its end: the file is damaged\)\./,
    );
  });

  it("a workbook whose list of sheets names no worksheet is one sentence", async () => {
    const zip = await opened([["contactId"], ["c1"]]);
    const book = await partText(zip, "xl/workbook.xml");
    zip.file("xl/workbook.xml", book.replace(/<sheet\s[^>]*\/>/, ""));
    const none = await saved(zip, "none.xlsx");
    await expect(all(none)).rejects.toThrow(/none\.xlsx: the workbook has no worksheet to read \(its list of sheets names none\)\.$/);
  });
});
