import { chmod, rename } from "node:fs/promises";
import type ExcelJS from "exceljs";
import { tmpPath } from "./tmpPath.js";
import { escapeXlsxText, spreadsheetsKeep } from "../lib/xlsxText.js";
import { isRoleName } from "../domain/rowMembers.js";

/** Every cell is text: a spreadsheet shows `00042` as written and keeps what a person types into it as text too. */
const TEXT = "@";
/** The `#` columns: our context about the row, not data (grey, italic; the reader ignores them). */
const CONTEXT_FILL = { type: "pattern", pattern: "solid", fgColor: { argb: "FFE7E6E6" } } as const;
const CONTEXT_FONT = { italic: true, color: { argb: "FF595959" } } as const;
/** Excel's limit for one cell: longer text would make the file one Excel refuses to open. */
const MAX_CELL = 32_767;
/** Text that starts or ends with white space. */
const EDGE_SPACE = /^\s|\s$/;
/** A row whose values the sheet cannot hold, in its #raw cell. */
const NOT_HELD =
  "its values are in failures.csv: a spreadsheet cell cannot keep them as written (a control character, a CR, text such as &amp;, or more than 32,767 characters)";

/**
 * failures.xlsx, written beside failures.csv with the same columns and rows.
 * A CSV opened in a spreadsheet loses leading zeros, long numbers and phone
 * numbers, and runs formula-looking text; here each value is a string cell in a
 * text-formatted column, so the spreadsheet keeps it as written and saves it
 * back as written. Streamed (one row at a time to the zip), atomically renamed.
 */
export class FailuresWorkbook {
  private readonly tmp: string;
  private readonly book: ExcelJS.stream.xlsx.WorkbookWriter;
  private readonly sheet: ExcelJS.Worksheet;
  private readonly context: boolean[];
  /** The contact's own columns (contactId, instanceId…). */
  private readonly roles: boolean[];
  /** The #raw column, where a row whose values the sheet cannot hold says so. */
  private readonly raw: number;

  /**
   * Loads the spreadsheet library's streaming writer when a workbook is written, not when a command starts;
   * that class alone (the one exceljs exposes as `stream.xlsx.WorkbookWriter`), not the whole library with
   * its readers: about a third of the load.
   */
  static async open(path: string, header: readonly string[]): Promise<FailuresWorkbook> {
    const { default: WorkbookWriter } = await import("exceljs/lib/stream/xlsx/workbook-writer.js");
    return new FailuresWorkbook(WorkbookWriter, path, header);
  }

  private constructor(
    WorkbookWriter: typeof ExcelJS.stream.xlsx.WorkbookWriter,
    readonly path: string,
    header: readonly string[],
  ) {
    this.tmp = tmpPath(path);
    this.book = new WorkbookWriter({ filename: this.tmp, useStyles: true, useSharedStrings: false });
    this.sheet = this.book.addWorksheet("failures", { views: [{ state: "frozen", ySplit: 1 }] });
    this.context = header.map((h) => h.trim().startsWith("#"));
    this.roles = header.map(isRoleName);
    this.raw = header.findIndex((h) => h.trim() === "#raw");
    this.sheet.columns = header.map((h, i) => ({
      header: escapeXlsxText(h),
      key: String(i),
      width: Math.min(Math.max(h.length + 2, this.context[i] ? 14 : 12), 60),
      style: this.context[i] ? { numFmt: TEXT, fill: CONTEXT_FILL, font: CONTEXT_FONT } : { numFmt: TEXT },
    }));
    const top = this.sheet.getRow(1);
    top.font = { bold: true };
    top.commit();
  }

  add(cells: readonly string[]): void {
    // A value a cell does not hold whole or a spreadsheet program may change (cut, or a CR read back as "_x000D_",
    // it would be sent changed when the sheet is fed back): the row keeps only its contact's own cells and its
    // context, so fed back it sends nothing, and #raw says where its values are.
    // The limit is on the text a person sees, before it is escaped. Our own context cells (#message, #raw) are cut
    // to fit: they are never read back.
    const held = cells.every((c, i) => this.context[i] || (c.length <= MAX_CELL && spreadsheetsKeep(c)));
    const kept = held ? cells : cells.map((c, i) => (i === this.raw && c === "" ? NOT_HELD : this.context[i] || this.roles[i] ? c : ""));
    const stored = kept.map((c, i) => escapeXlsxText(this.context[i] && c.length > MAX_CELL ? c.slice(0, MAX_CELL) : c));
    // A plain text cell is written as a `<v>` LibreOffice reads trimmed ("  " came back empty, " x" as "x"); an
    // inline string says `xml:space="preserve"`, which it keeps.
    const row = this.sheet.addRow(stored.map((c) => (EDGE_SPACE.test(c) ? { richText: [{ text: c }] } : c)));
    row.commit();
  }

  async commit(): Promise<void> {
    this.sheet.commit();
    await this.book.commit();
    await rename(this.tmp, this.path);
    await chmod(this.path, 0o600);
  }
}
