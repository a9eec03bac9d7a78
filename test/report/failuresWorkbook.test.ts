import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { afterEach, describe, expect, it } from "vitest";
import { writeReportFiles, type RunInfo } from "../../src/report/writeReportFiles.js";
import type { Outcome } from "../../src/domain/Outcome.js";
import { openSource } from "../../src/input/openSource.js";
import { emptyWorkbookApart } from "../../src/report/emptyWorkbookApart.js";

/** A workbook's first sheet, its rows as text. */
async function rowsOf(path: string): Promise<string[][]> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.readFile(path);
  const rows: string[][] = [];
  (book.worksheets[0] as ExcelJS.Worksheet).eachRow((row) =>
    rows.push(
      Array.from(row.values as unknown[])
        .slice(1)
        .map((v) => String(v ?? "")),
    ),
  );
  return rows;
}

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

const info = (header: string[]): RunInfo => ({
  runId: "r",
  parentRunId: undefined,
  input: "in.csv",
  format: "csv",
  header,
  createdAt: Date.now(),
  startedAt: undefined,
  rows: 2,
  requests: 0,
  throttled: 0,
  complete: true,
});

function failed(line: number, fields: string[]): Outcome {
  return {
    line,
    contactId: fields[0] ?? "",
    instanceId: "i",
    status: "failed",
    errorCode: "ConflictException",
    httpStatus: 409,
    message: "conflict",
    attempts: 1,
    throttles: 0,
    finishedAt: Date.now(),
    original: { fields },
  } as Outcome;
}

describe("failures.xlsx", () => {
  it("holds failures.csv's rows as text cells in text-formatted columns, # columns styled as context, the header frozen", async () => {
    dir = await mkdtemp(join(tmpdir(), "cb-wb-"));
    const header = ["contactId", "account", "phone", "note"];
    const files = await writeReportFiles(
      dir,
      info(header),
      [failed(2, ["c1", "00042", "441234567890", "=1+1"]), failed(3, ["c2", "12345678901234567890", "+44 20 7946 0000", "'=x"])],
      { workbook: true },
    );
    expect(files.workbook).toBe(join(dir, "failures.xlsx"));
    expect((await stat(join(dir, "failures.xlsx"))).mode & 0o777).toBe(0o600);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(join(dir, "failures.xlsx"));
    const sheet = book.worksheets[0] as ExcelJS.Worksheet;
    expect(sheet.views[0]).toMatchObject({ state: "frozen", ySplit: 1 });
    expect((sheet.getRow(1).values as unknown[]).slice(1)).toEqual(["contactId", "account", "phone", "note", "#line", "#status", "#errorCode", "#message", "#raw"]);
    // Values exactly as in the input: no apostrophe (the cell is text, nothing runs), no number.
    expect((sheet.getRow(2).values as unknown[]).slice(1, 8)).toEqual(["c1", "00042", "441234567890", "=1+1", "2", "failed", "ConflictException"]);
    expect((sheet.getRow(3).values as unknown[]).slice(1, 5)).toEqual(["c2", "12345678901234567890", "+44 20 7946 0000", "'=x"]);
    for (const c of [1, 2, 3, 4, 5]) {
      const cell = sheet.getRow(2).getCell(c);
      expect(cell.type).toBe(ExcelJS.ValueType.String);
      expect(cell.numFmt).toBe("@");
    }
    const data = sheet.getRow(2).getCell(2);
    const context = sheet.getRow(2).getCell(6);
    expect((data.fill as { pattern?: string } | undefined)?.pattern ?? "none").toBe("none");
    expect(context.fill).toMatchObject({ type: "pattern", pattern: "solid" });
    expect(context.font).toMatchObject({ italic: true });
  });

  it("read back as the tool reads it, a value comes back exactly (escape-like text, spaces at its ends, up to 32,767 characters); a row no cell keeps as written (entity-like text, a CR, longer) sends nothing and its #raw says so", async () => {
    dir = await mkdtemp(join(tmpdir(), "cb-wb-"));
    const header = ["contactId", "a", "b"];
    const long = "y".repeat(29_000) + "_x0041_".repeat(500);
    const rows = [
      ["c1", long, " edge "],
      ["c2", "a &amp; b", "x"],
      ["c3", "l1\r\nl2", "kept?"],
      ["c4", "z".repeat(32_768), "too long"],
      ["c5", "AT&T", "&lt"],
      ["c6", "x\u007fy", "DEL"],
    ];
    const files = await writeReportFiles(
      dir,
      info(header),
      rows.map((r, i) => failed(i + 2, r)),
      { workbook: true },
    );
    const source = await openSource(files.workbook as string, "csv");
    const back: string[][] = [];
    for await (const r of source.records) if (r.kind === "fields") back.push(r.fields);
    expect(back.map((f) => f.slice(0, 3))).toEqual([rows[0], ["c2", "", ""], ["c3", "", ""], ["c4", "", ""], rows[4], ["c6", "", ""]]);
    const raw = source.shape.format === "csv" ? source.shape.header.indexOf("#raw") : -1;
    for (const i of [1, 2, 3, 5]) expect(back[i]?.[raw]).toMatch(/^its values are in failures\.csv/);
    expect(back[0]?.[raw]).toBe("");
  });

  it("is left out when not asked for, and an older one is not left beside a newer failures.csv", async () => {
    dir = await mkdtemp(join(tmpdir(), "cb-wb-"));
    await writeReportFiles(dir, info(["contactId"]), [failed(2, ["c1"])], { workbook: true });
    const files = await writeReportFiles(dir, info(["contactId"]), [failed(2, ["c1"])]);
    expect(files.workbook).toBeUndefined();
    await expect(stat(join(dir, "failures.xlsx"))).rejects.toThrow(/ENOENT/);
  });

  it("started before the report (run made): placed when it is the report's, thrown away when its header or folder is another's or the run failed rows; nothing staged is left", async () => {
    dir = await mkdtemp(join(tmpdir(), "cb-wb-"));
    const ok: Outcome = { ...failed(2, ["c1", "gold"]), status: "updated", errorCode: "", message: "" } as Outcome;
    const header = ["contactId", "tier", "#line", "#status", "#errorCode", "#message", "#raw"];
    const made = join(dir, "made");
    // The report's own: placed as it is (its folder made by the thread, not yet by the report).
    const started = emptyWorkbookApart(join(made, "failures.xlsx"), header);
    // Placed, not written again: the one started is the one the report puts in place.
    const placings: boolean[] = [];
    const early = { ...started, place: async () => placings[placings.push(await started.place()) - 1] as boolean };
    const placed = await writeReportFiles(made, info(["contactId", "tier"]), [ok], { workbook: true, early });
    expect(placings).toEqual([true]);
    expect(placed.workbook).toBe(join(made, "failures.xlsx"));
    expect(await rowsOf(join(made, "failures.xlsx"))).toEqual([header]);
    expect((await readdir(made)).filter((f) => f.endsWith(".tmp"))).toEqual([]);

    // Started for another header (a run whose columns are not these): the report writes its own.
    const other = join(dir, "other");
    const stale = emptyWorkbookApart(join(other, "failures.xlsx"), ["contactId", "#line"]);
    await writeReportFiles(other, info(["contactId", "tier"]), [ok], { workbook: true, early: stale });
    expect(await rowsOf(join(other, "failures.xlsx"))).toEqual([header]);
    expect((await readdir(other)).filter((f) => f.endsWith(".tmp"))).toEqual([]);

    // A run with a failed row: the failures' workbook, and the header-only one thrown away.
    const failing = join(dir, "failing");
    const unused = emptyWorkbookApart(join(failing, "failures.xlsx"), header);
    await writeReportFiles(failing, info(["contactId", "tier"]), [failed(2, ["c1", "gold"])], { workbook: true, early: unused });
    expect((await rowsOf(join(failing, "failures.xlsx")))[1]?.slice(0, 4)).toEqual(["c1", "gold", "2", "failed"]);
    expect((await readdir(failing)).filter((f) => f.endsWith(".tmp"))).toEqual([]);

    // No workbook asked for: it is thrown away, none is placed.
    const none = join(dir, "none");
    const notAsked = emptyWorkbookApart(join(none, "failures.xlsx"), header);
    const files = await writeReportFiles(none, info(["contactId", "tier"]), [ok], { early: notAsked });
    expect(files.workbook).toBeUndefined();
    expect((await readdir(none)).sort()).toEqual(["failures.csv", "outcomes.csv", "summary.json"]);
  });
});
