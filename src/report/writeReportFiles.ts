import type { NightReading } from "../domain/run/nightGuards.js";
import { rm } from "node:fs/promises";
import { exactStringify } from "../lib/exactJson.js";
import { JsonNumber } from "../lib/jsonNumber.js";
import { AtomicFile } from "./AtomicFile.js";
import { ensureDir } from "./ensureDir.js";
import { type EmptyWorkbook, emptyWorkbookApart } from "./emptyWorkbookApart.js";
import { removeStaleStaged } from "./tmpPath.js";
import { FailuresWorkbook } from "./failuresWorkbook.js";
import { join } from "node:path";
import type { Outcome } from "../domain/Outcome.js";
import type { DryRunPlan, RunSummary } from "../domain/RunSummary.js";
import { SummaryBuilder } from "./SummaryBuilder.js";
import { csvCell, csvLine, restore } from "./spreadsheetSafe.js";
import { ATTRIBUTES_MEMBERS, CONTACT_ID_MEMBERS, INSTANCE_MEMBERS, isRoleName, START_MEMBERS } from "../domain/rowMembers.js";

export const OUTCOME_COLUMNS = ["line", "contactId", "instanceId", "status", "errorCode", "httpStatus", "message", "attempts", "finishedAt"];
/** Our own columns in failures.csv; `#` makes the reader ignore them when the file is fed back. */
export const FAILURE_COLUMNS = ["#line", "#status", "#errorCode", "#message", "#raw"];

export interface RunInfo {
  readonly runId: string;
  readonly parentRunId: string | undefined;
  readonly input: string;
  readonly format: "csv" | "jsonl";
  /** CSV header of the input, to write failures with their original columns. */
  readonly header: readonly string[] | undefined;
  readonly createdAt: number;
  readonly startedAt: number | undefined;
  readonly rows: number;
  /** Lines of the file that hold no row (every cell empty). */
  readonly blankLines?: number;
  readonly requests: number;
  readonly throttled: number;
  readonly complete: boolean;
  readonly dryRun?: DryRunPlan | undefined;
  readonly rollbackOf?: string | undefined;
  /** Cancelled before the file was read to the end: the rows read by then. */
  readonly cutShort?: number | undefined;
  /** A job with guards: the night as judged when the run was made. */
  readonly night?: NightReading | undefined;
}

export interface ReportFiles {
  readonly dir: string;
  readonly outcomes: string;
  readonly failures: string;
  readonly summary: string;
  /** failures.xlsx, when written. */
  readonly workbook?: string;
  readonly summaryData: RunSummary;
  /** The first FAILED_SAMPLE invalid or failed outcomes (for report.html), and how many there are. */
  readonly failed: { readonly first: readonly Outcome[]; readonly total: number };
}

/** Failed rows kept in memory for report.html; the complete list is failures.csv. */
export const FAILED_SAMPLE = 1000;

const BOM = "\uFEFF"; // so spreadsheets open the files as UTF-8

/**
 * The input was one of our failures.csv files: its cells (header included) still
 * carry our apostrophes, which writing them again must not double.
 */
function plainCells(info: Pick<RunInfo, "format" | "header">): (cell: string) => string {
  const names = new Set((info.header ?? []).map((h) => h.trim()));
  return info.format === "csv" && names.has("#line") && names.has("#status") ? restore : identity;
}

const identity = (cell: string): string => cell;

/** Attribute names a failed JSONL row carried: they become failures.csv columns (not those of a row given back in #raw). */
function collectKeys(keys: Set<string>, f: Outcome): void {
  const o = f.original && "object" in f.original ? f.original.object : undefined;
  if (!o || !expressible(o)) return;
  const attrs = (o.attributes ?? o.Attributes) as Record<string, unknown> | undefined;
  if (attrs && typeof attrs === "object") for (const k of Object.keys(attrs)) keys.add(k);
}

/** The header of a run's failures.xlsx when it has no failure (what `emptyWorkbookApart` is started with). */
export function cleanWorkbookHeader(info: Pick<RunInfo, "format" | "header">): string[] {
  return [...failureColumnsFor(info, new Set()), ...FAILURE_COLUMNS];
}

function failureColumnsFor(info: Pick<RunInfo, "format" | "header">, keys: ReadonlySet<string>): string[] {
  if (info.format === "csv" && info.header) {
    const reserved = new Set(FAILURE_COLUMNS);
    const plain = plainCells(info);
    return info.header.filter((h) => !reserved.has(h.trim())).map(plain);
  }
  // JSONL: the row's own names, then every attribute any failed row carried.
  return ["contactId", "instanceId", "initiationTimestamp", ...[...keys].filter((k) => !["contactId", "instanceId", "initiationTimestamp"].includes(k))];
}

function text(v: unknown): string {
  if (v === undefined || v === null) return "";
  // A JSONL number as it was written (1.10, 12345678901234567890, 1e400), inside an object too.
  if (v instanceof JsonNumber) return v.text;
  return typeof v === "string" ? v : typeof v === "object" ? exactStringify(v) : String(v);
}

function originalCells(info: RunInfo, columns: readonly string[], o: Outcome): { cells: string[]; raw: string } {
  const orig = o.original;
  if (!orig) return { cells: columns.map((c) => (c === "contactId" ? o.contactId : c === "instanceId" ? o.instanceId : "")), raw: "" };
  if ("raw" in orig) return { cells: columns.map(() => ""), raw: orig.raw };
  if ("fields" in orig) {
    const header = info.header ?? [];
    const plain = plainCells(info);
    const byName = new Map(header.map((h, i) => [plain(h).trim(), plain(orig.fields[i] ?? "")]));
    const cells = columns.map((c) => byName.get(c.trim()) ?? "");
    // One of our failures files fed back: a row it gave back in #raw (its values empty, not written since: a JSONL
    // row whole, or the workbook's note that its values are in failures.csv) keeps it, round after round. Another
    // file's own "#raw" column is its own, and a row with values says what it is.
    const ours = plain !== identity;
    const valuesEmpty = cells.every((c, i) => c === "" || isRoleName(columns[i] as string));
    return { cells, raw: ours && valuesEmpty ? (byName.get("#raw") ?? "") : "" };
  }
  const obj = orig.object;
  // A row the columns cannot hold (a condition, UpdateContact's members, a member no reader takes, an attribute
  // no header names as it is, a "" value) is given back whole in #raw, its cells empty: fed back as columns it
  // would be sent without them (an object value becomes its JSON text in its cell, for the person to fix).
  if (!expressible(obj)) return { cells: columns.map(() => ""), raw: exactStringify(obj) };
  const attrs = (obj.attributes ?? obj.Attributes ?? {}) as Record<string, unknown>;
  const top: Record<string, unknown> = {
    contactId: obj.contactId ?? obj.initialContactId ?? obj.InitialContactId ?? obj.ContactId,
    instanceId: obj.instanceId ?? obj.InstanceId,
    initiationTimestamp: obj.initiationTimestamp ?? obj.InitiationTimestamp,
  };
  // Own members only: "__proto__" is an attribute name like any other, not Object.prototype.
  const own = (r: Record<string, unknown>, c: string) => (Object.hasOwn(r, c) ? r[c] : undefined);
  return { cells: columns.map((c) => text(Object.hasOwn(top, c) ? top[c] : typeof attrs === "object" ? own(attrs, c) : undefined)), raw: "" };
}

/** The members failures.csv's columns hold: the contact's and the attributes (as text); `#` members are context. */
const COLUMN_MEMBERS: ReadonlySet<string> = new Set<string>([...CONTACT_ID_MEMBERS, ...INSTANCE_MEMBERS, ...START_MEMBERS, ...ATTRIBUTES_MEMBERS]);

function expressible(obj: Record<string, unknown>): boolean {
  for (const k of Object.keys(obj)) if (!COLUMN_MEMBERS.has(k) && !k.trimStart().startsWith("#")) return false;
  const attrs = obj.attributes ?? obj.Attributes;
  if (attrs === undefined || attrs === null) return true;
  if (typeof attrs !== "object" || Array.isArray(attrs)) return false;
  for (const [name, value] of Object.entries(attrs)) if (!columnHolds(name, value)) return false;
  return true;
}

/**
 * Whether a column of failures.csv gives back this attribute as the row had it: a header is read trimmed, a `#`
 * one is ours, a contact's own name (any case) is that column, not an attribute; and an empty cell sends
 * nothing, so `""` (which blanks the value) has no cell that says it.
 */
function columnHolds(name: string, value: unknown): boolean {
  return name !== "" && name === name.trim() && !name.startsWith("#") && !isRoleName(name) && value !== "";
}

/** csvCell, made again only when the value differs from the one before. */
function lastCell(): (value: string) => string {
  let last: string | undefined;
  let cell = "";
  return (value) => {
    if (value !== last) {
      last = value;
      cell = csvCell(value);
    }
    return cell;
  };
}

/**
 * Writes outcomes.csv, failures.csv and summary.json into `dir` (created private:
 * the files carry customer data). `outcomes` must be sorted by line.
 */
export async function writeReportFiles(
  dir: string,
  info: RunInfo,
  source: readonly Outcome[] | (() => Iterable<Outcome>),
  /** `early`: the header-only workbook started before the report (its run known); used when it is this report's. */
  opts: { readonly workbook?: boolean; readonly early?: EmptyWorkbook | undefined } = {},
): Promise<ReportFiles> {
  // Read twice (outcomes, then failures, when there are any) rather than held in memory.
  const outcomes = Array.isArray(source) ? () => source : (source as () => Iterable<Outcome>);
  await ensureDir(dir);
  const paths = { outcomes: join(dir, "outcomes.csv"), failures: join(dir, "failures.csv"), summary: join(dir, "summary.json") };
  const workbookPath = join(dir, "failures.xlsx");
  await removeStaleStaged(dir, ["outcomes.csv", "failures.csv", "summary.json", "failures.xlsx", "report.html"]);

  // Most runs have no failure: their workbook (its header only) is written apart while outcomes.csv is written here.
  const header = cleanWorkbookHeader(info);
  const { early } = opts;
  const fits = early !== undefined && early.path === workbookPath && early.header.length === header.length && early.header.every((h, i) => h === header[i]);
  const clean = opts.workbook ? (fits ? early : emptyWorkbookApart(workbookPath, header)) : undefined;
  if (early && early !== clean) await early.discard();
  // Every report file made, so one that could not be written whole leaves no half of it behind.
  const made: AtomicFile[] = [];
  const file = (path: string) => {
    const f = new AtomicFile(path);
    made.push(f);
    return f;
  };
  try {
    return await writeAll(dir, info, outcomes, paths, workbookPath, clean, file);
  } catch (err) {
    await Promise.all(made.map((f) => f.discard()));
    throw err;
  } finally {
    // Not placed (the run had failures, or writing failed): thrown away. Once placed, nothing is left to throw away.
    await clean?.discard();
  }
}

async function writeAll(
  dir: string,
  info: RunInfo,
  outcomes: () => Iterable<Outcome>,
  paths: { outcomes: string; failures: string; summary: string },
  workbookPath: string,
  clean: EmptyWorkbook | undefined,
  file: (path: string) => AtomicFile,
): Promise<ReportFiles> {
  const out = file(paths.outcomes);
  await out.write(BOM + csvLine(OUTCOME_COLUMNS));
  const summaryBuilder = new SummaryBuilder();
  const jsonlKeys = new Set<string>();
  let failing = 0;
  // Rows of one chunk finish in the same millisecond, and most rows share an instance and an error code (an
  // unchanged night's all do): each cell's text is made once for a run of rows alike.
  let finishedMs = Number.NaN;
  let finishedCell = "";
  const instanceCell = lastCell();
  const errorCell = lastCell();
  for (const o of outcomes()) {
    summaryBuilder.add(o);
    if (o.status === "invalid" || o.status === "failed") failing++;
    if (info.format === "jsonl" && (o.status === "invalid" || o.status === "failed")) collectKeys(jsonlKeys, o);
    if (o.finishedAt !== finishedMs) {
      finishedMs = o.finishedAt;
      finishedCell = csvCell(new Date(o.finishedAt).toISOString());
    }
    // csvLine's cells, one by one: the line number, status, HTTP status and attempts are digits and
    // lower-case names, which csvCell gives back as they are.
    const wrote = out.write(
      `${o.line},${csvCell(o.contactId)},${instanceCell(o.instanceId)},${o.status},${errorCell(o.errorCode)},${o.httpStatus === undefined ? "" : o.httpStatus},${csvCell(o.message)},${o.attempts},${finishedCell}\r\n`,
    );
    if (wrote) await wrote;
  }
  await out.commit();

  const columns = failureColumnsFor(info, jsonlKeys);
  const fail = file(paths.failures);
  await fail.write(BOM + csvLine([...columns, ...FAILURE_COLUMNS]));
  // Placed as it is when there is no failure; otherwise written here with the failures (and, for JSONL, their columns).
  const placed = failing === 0 && clean !== undefined && (await clean.place());
  const book = clean && !placed ? await FailuresWorkbook.open(workbookPath, [...columns, ...FAILURE_COLUMNS]) : undefined;
  const workbook = clean ? { workbook: workbookPath } : {};
  const failedFirst: Outcome[] = [];
  let failedTotal = 0;
  // Read again only when there is a failure to write (a clean night of 100k rows decodes them once, not twice).
  for (const o of failing > 0 ? outcomes() : []) {
    if (o.status !== "invalid" && o.status !== "failed") continue;
    if (failedTotal++ < FAILED_SAMPLE) failedFirst.push(o);
    const { cells, raw } = originalCells(info, columns, o);
    const row = [...cells, String(o.line), o.status, o.errorCode, o.message, raw];
    const wrote = fail.write(csvLine(row));
    if (wrote) await wrote;
    book?.add(row);
  }
  await fail.commit();
  await book?.commit();
  // Without the workbook, none from an earlier writing is left beside a newer failures.csv.
  if (!clean) await rm(workbookPath, { force: true });

  const summary = summaryBuilder.result(info);
  const summaryFile = file(paths.summary);
  await summaryFile.write(`${JSON.stringify({ ...summary, files: { ...paths, ...workbook } }, null, 2)}\n`);
  await summaryFile.commit();
  return { dir, ...paths, ...workbook, summaryData: summary, failed: { first: failedFirst, total: failedTotal } };
}
