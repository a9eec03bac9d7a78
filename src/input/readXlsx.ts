import type ExcelJS from "exceljs";
import { InputFileError } from "./InputFileError.js";
import { inputName, type InputRef } from "./InputTransport.js";
import { type FirstSheet, openFirstSheet } from "./xlsxParts.js";
import type { CsvSource } from "./readCsv.js";
import type { SourceRecord } from "./SourceRecord.js";
import { neutraliseLikeCsv } from "./undoNeutralise.js";
import { unescapeXlsxText } from "../lib/xlsxText.js";

/** What a spreadsheet program stored in a cell, as the text a person sees. */
function textOf(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value instanceof Date) return value.toISOString();
  if ("richText" in value) return value.richText.map((r) => r.text).join("");
  if ("text" in value && typeof value.text === "string") return value.text; // a hyperlink
  if ("result" in value || "formula" in value || "sharedFormula" in value) {
    // A real formula (not text that looks like one: that is a string cell): what it showed when saved.
    const r = (value as { result?: unknown }).result;
    return r === undefined || r === null ? "" : r instanceof Date ? r.toISOString() : typeof r === "object" ? "" : String(r);
  }
  if ("error" in value) return String(value.error);
  return "";
}

/** The zip library's word for a file that ends before its directory says it should, as a person reads it. */
function whatWentWrong(err: unknown): string {
  const message = (err as Error).message;
  return message === "FILE_ENDED" ? "the file ends early: it was cut short or is damaged" : message;
}

/**
 * Reads the first sheet of a workbook (failures.xlsx, fed back; the first tab that is not hidden) as CSV rows:
 * its first row is the header, each later row a record whose line is its row
 * number, so outcomes name the rows a person sees. Cells come back as the text
 * they hold (text cells are never turned into numbers). A failures workbook's
 * cells are given the CSV's apostrophe where failures.csv would have one, so the
 * reader's one rule for fed-back failures (undoNeutralise) gives every value back
 * exactly.
 */
export async function readXlsx(input: InputRef): Promise<CsvSource> {
  const path = inputName(input);
  let sheet: FirstSheet | undefined;
  let first: IteratorResult<ExcelJS.Row>;
  try {
    sheet = await openFirstSheet(input, path);
    if (!sheet) throw new InputFileError(`${path}: the workbook has no worksheet to read (its list of sheets names none).`);
    first = await sheet.rows.next();
  } catch (err) {
    sheet?.close();
    if (err instanceof InputFileError) throw err;
    throw new InputFileError(`${path}: could not be read as an .xlsx workbook (${whatWentWrong(err)}).`);
  }
  const { rows, close } = sheet;
  if (first.done) {
    close();
    throw new InputFileError(`${path}: the first sheet is empty; it needs a header row naming its columns.`);
  }
  const cellsOf = (row: ExcelJS.Row, width: number): string[] => {
    const values = row.values as ExcelJS.CellValue[];
    const out: string[] = [];
    // As Excel and LibreOffice store them: a CR or a control character is `_xHHHH_` (lib/xlsxText.ts).
    for (let i = 1; i <= width; i++) out.push(unescapeXlsxText(textOf(values[i])));
    return out;
  };
  const headerRow = first.value;
  const rawHeader = cellsOf(headerRow, headerRow.cellCount);
  while (rawHeader.length > 0 && rawHeader[rawHeader.length - 1] === "") rawHeader.pop();
  const names = new Set(rawHeader.map((h) => h.trim()));
  const failuresFile = names.has("#line") && names.has("#status");
  const asCsv = failuresFile ? neutraliseLikeCsv : (c: string) => c;
  const header = rawHeader.map(asCsv);
  let blank = 0;
  async function* records(): AsyncGenerator<SourceRecord> {
    try {
      for (;;) {
        const next = await rows.next();
        if (next.done) return;
        const row = next.value;
        const all = cellsOf(row, Math.max(row.cellCount, header.length));
        const fields = all.slice(0, header.length);
        // As a CSV record: only a row whose every cell is empty is no row. Cells of spaces are a row (its outcome says
        // what is wrong with it), never a row that vanishes without one.
        if (all.every((f) => f === "")) {
          blank++;
          continue;
        }
        if (all.slice(header.length).some((f) => f !== "")) {
          yield { kind: "malformed", line: row.number, code: "RaggedRow", reason: `has cells beyond the header's ${header.length} columns`, raw: all.join(",") };
          continue;
        }
        yield { kind: "fields", line: row.number, fields: fields.map(asCsv) };
      }
    } catch (err) {
      throw new InputFileError(`${path}: could not be read as an .xlsx workbook (${whatWentWrong(err)}).`);
    } finally {
      close();
    }
  }
  return { header, records: records(), blankLines: () => blank };
}
