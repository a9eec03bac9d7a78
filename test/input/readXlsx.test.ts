import { readlinkSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { afterEach, describe, expect, it } from "vitest";
import { openSource } from "../../src/input/openSource.js";
import { envelopeOfFields } from "../../src/input/envelope.js";

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function workbook(rows: ExcelJS.CellValue[][], extraSheet = false): Promise<string> {
  dir ??= await mkdtemp(join(tmpdir(), "cb-xlsx-"));
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet("first");
  for (const r of rows) sheet.addRow(r);
  if (extraSheet) book.addWorksheet("second").addRow(["contactId", "x"]);
  const path = join(dir, "in.xlsx");
  await book.xlsx.writeFile(path);
  return path;
}

function readlinkOrEmpty(p: string): string {
  try {
    return readlinkSync(p);
  } catch {
    return "";
  }
}

async function all(path: string) {
  const src = await openSource(path, "csv");
  const out = [];
  for await (const r of src.records) out.push(r);
  return { src, out };
}

describe("reading a workbook", () => {
  it("reads the first sheet as CSV rows: header row, line = row number, every cell as the text it shows", async () => {
    const path = await workbook(
      [
        ["contactId", "n", "when", "f", "rich"],
        ["c1", 42, new Date("2026-01-02T03:04:05Z"), { formula: "1+1", result: 2 }, { richText: [{ text: "a" }, { text: "b" }] }],
        [],
        ["c2", "00042", "", "=1+1", "x"],
      ],
      true,
    );
    const { src, out } = await all(path);
    expect(src.shape).toEqual({ format: "csv", header: ["contactId", "n", "when", "f", "rich"] });
    expect(out).toEqual([
      { kind: "fields", line: 2, fields: ["c1", "42", "2026-01-02T03:04:05.000Z", "2", "ab"] },
      { kind: "fields", line: 4, fields: ["c2", "00042", "", "=1+1", "x"] },
    ]);
  });

  it("a row of empty cells is no row (a blank line), a row of spaces is a row, as in a CSV", async () => {
    const path = await workbook([
      ["contactId", "a"],
      ["c1", "x"],
      [" ", "  "],
      ["", ""],
      ["c2", "y"],
    ]);
    const { src, out } = await all(path);
    expect(out.map((r) => (r.kind === "fields" ? [r.line, ...r.fields] : [r.line, r.kind]))).toEqual([
      [2, "c1", "x"],
      [3, " ", "  "],
      [5, "c2", "y"],
    ]);
    expect(src.blankLines?.()).toBe(1);
  });

  it("a failures workbook gives every value back exactly, formula-looking text and apostrophes included", async () => {
    const header = ["contactId", "v", "#line", "#status"];
    const path = await workbook([header, ["c1", "=1+1", "2", "failed"], ["c2", "'=x", "3", "failed"], ["c3", "'plain", "4", "failed"]]);
    const { src, out } = await all(path);
    const sent = out.map((r) => {
      if (r.kind !== "fields" || !src.roles) throw new Error("not a row");
      const check = envelopeOfFields(r.fields, src.roles, { instanceId: "i" });
      if (!check.ok || check.envelope.body.kind !== "cells") throw new Error("not valid");
      return Object.fromEntries(check.envelope.body.cells);
    });
    expect(sent).toEqual([{ v: "=1+1" }, { v: "'=x" }, { v: "'plain" }]);
  });

  it("a workbook as exceljs writes it (xl/workbook.xml last in the zip) is read whole every time, not now and then refused", async () => {
    // The streaming reader's own loop ended early in about 1 read of 300 here ("Cannot read properties of
    // undefined (reading 'sheets')"); 500 reads of freshly written workbooks caught it in 3 runs of 3.
    const refused: string[] = [];
    for (let i = 0; i < 500; i++) {
      const path = await workbook([
        ["contactId", "v", "#line", "#status"],
        ["c1", `=${i}`, "2", "failed"],
        ["c2", "'x", "3", "failed"],
      ]);
      try {
        const { out } = await all(path);
        if (out.length !== 2) refused.push(`read ${i}: ${out.length} rows`);
      } catch (err) {
        refused.push(`read ${i}: ${(err as Error).message}`);
      }
    }
    expect(refused).toEqual([]);
  }, 120_000);

  it("reads the first tab a person sees: a hidden tab before it is passed over", async () => {
    dir ??= await mkdtemp(join(tmpdir(), "cb-xlsx-"));
    const book = new ExcelJS.Workbook();
    const old = book.addWorksheet("old copy");
    old.state = "hidden";
    old.addRow(["contactId", "v"]);
    old.addRow(["c1", "OLD"]);
    const current = book.addWorksheet("current");
    current.addRow(["contactId", "v"]);
    current.addRow(["c1", "NEW"]);
    const path = join(dir, "hidden.xlsx");
    await book.xlsx.writeFile(path);
    const { out } = await all(path);
    expect(out).toEqual([{ kind: "fields", line: 2, fields: ["c1", "NEW"] }]);
  });

  it("a cell written in formatted pieces in the sheet itself (an inline string) comes back whole", async () => {
    dir ??= await mkdtemp(join(tmpdir(), "cb-xlsx-"));
    const path = join(dir, "runs.xlsx");
    // exceljs's streaming writer without shared strings writes each cell's text in the sheet, a rich text as runs.
    const book = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: false });
    const sheet = book.addWorksheet("notes");
    sheet.addRow(["contactId", "note"]).commit();
    sheet.addRow(["c1", { richText: [{ text: "Call back", font: { bold: true } }, { text: " tomorrow" }] }]).commit();
    sheet.commit();
    await book.commit();
    const { out } = await all(path);
    expect(out).toEqual([{ kind: "fields", line: 2, fields: ["c1", "Call back tomorrow"] }]);
  });

  it("a file that is no zip, or a password-protected workbook, is one sentence that says what it is", async () => {
    dir ??= await mkdtemp(join(tmpdir(), "cb-xlsx-"));
    const ole = join(dir, "locked.xlsx");
    await writeFile(ole, Buffer.concat([Buffer.from("d0cf11e0a1b11ae1", "hex"), Buffer.alloc(600)]));
    await expect(openSource(ole, "csv")).rejects.toThrow(
      /locked\.xlsx: is a password-protected workbook or an old \.xls file, which cannot be read; save it as \.xlsx without a password\.$/,
    );
    const empty = join(dir, "empty.xlsx");
    await writeFile(empty, "");
    await expect(openSource(empty, "csv")).rejects.toThrow(/empty\.xlsx: is not an \.xlsx workbook \(not a zip file\)/);
  });

  it("a read stopped early leaves no handle on the file open", async () => {
    // Big enough that the zip's part is still being read when the reader stops (20k rows were read whole already).
    dir ??= await mkdtemp(join(tmpdir(), "cb-xlsx-"));
    const path = join(dir, "big.xlsx");
    const book = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: false });
    const sheet = book.addWorksheet("rows");
    sheet.addRow(["contactId", "v"]).commit();
    for (let i = 0; i < 100_000; i++) sheet.addRow([`c${i}`, `value ${i} ${i * 7919}`]).commit();
    sheet.commit();
    await book.commit();
    const open = async () => (await readdir("/proc/self/fd")).filter((fd) => readlinkOrEmpty(`/proc/self/fd/${fd}`) === path).length;
    const src = await openSource(path, "csv");
    for await (const r of src.records) {
      expect(r.kind).toBe("fields");
      break; // the records' generator is returned: the reader closes what it holds
    }
    // Closing a descriptor takes a moment on a busy machine: looked at until it is closed, for 3 s at most.
    for (let waited = 0; waited < 3000 && (await open()) > 0; waited += 50) await new Promise((r) => setTimeout(r, 50));
    expect(await open()).toBe(0);
  });

  it("a file that is not a workbook, or a workbook with an empty first sheet, is one sentence", async () => {
    dir = await mkdtemp(join(tmpdir(), "cb-xlsx-"));
    const bad = join(dir, "bad.xlsx");
    await writeFile(bad, "contactId,v\nc1,1\n");
    await expect(openSource(bad, "csv")).rejects.toThrow(
      /^.*bad\.xlsx: is not an \.xlsx workbook \(not a zip file\); save it from the spreadsheet as \.xlsx, or name it \.csv if it is CSV text\.$/,
    );
    // A zip cut short: what the zip reader says, in the sentence.
    const whole = await readFile(await workbook([["contactId"], ["c1"]]));
    const cut = join(dir, "cut.xlsx");
    await writeFile(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    await expect(openSource(cut, "csv")).rejects.toThrow(
      /^.*cut\.xlsx: could not be read as an \.xlsx workbook \(the file ends early: it was cut short or is damaged\)\.$/,
    );
    const empty = await workbook([]);
    await expect(openSource(empty, "csv")).rejects.toThrow(/in\.xlsx: the first sheet is empty; it needs a header row naming its columns\./);
  });
});
