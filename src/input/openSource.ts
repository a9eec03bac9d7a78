import { extname } from "node:path";
import { columnRoles, type ColumnRoles } from "./columnRoles.js";
import { InputFileError } from "./InputFileError.js";
import { readCsv } from "./readCsv.js";
import { readJsonl } from "./readJsonl.js";
import type { SourceRecord } from "./SourceRecord.js";

export type InputFormat = "csv" | "jsonl";

/** What a worker needs to read a record again: the CSV header, or nothing for JSONL. */
export type SourceShape = { readonly format: "csv"; readonly header: readonly string[] } | { readonly format: "jsonl" };

export interface Source {
  readonly shape: SourceShape;
  readonly roles: ColumnRoles | undefined;
  readonly records: AsyncIterable<SourceRecord>;
}

export function formatOf(path: string, flag: InputFormat | undefined): InputFormat {
  if (flag) return flag;
  const ext = extname(path).toLowerCase();
  if (ext === ".csv" || ext === ".txt") return "csv";
  if (ext === ".jsonl" || ext === ".ndjson") return "jsonl";
  throw new InputFileError(`${path}: cannot tell the format from the extension "${ext}"; name it .csv or .jsonl, or pass --format csv|jsonl.`);
}

/** Opens a CSV or JSONL file as a stream of records; file-level problems throw InputFileError. */
export async function openSource(path: string, format: InputFormat): Promise<Source> {
  if (format === "csv") {
    const csv = await readCsv(path);
    return { shape: { format, header: csv.header }, roles: columnRoles(csv.header, path), records: csv.records };
  }
  const records = readJsonl(path);
  // Opening happens on the first pull; do it now so a missing file fails before anything is queued.
  const first = await records.next();
  async function* all(): AsyncGenerator<SourceRecord> {
    if (!first.done) yield first.value;
    yield* records;
  }
  return { shape: { format }, roles: undefined, records: all() };
}
