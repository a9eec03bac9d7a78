import { extname } from "node:path";
import { type ColumnMapping, columnRoles, type ColumnRoles } from "./columnRoles.js";
import { InputFileError, MissingInstanceIdError } from "./InputFileError.js";
import { readCsv } from "./readCsv.js";
import { readJsonl } from "./readJsonl.js";
import { STDIN } from "./openInput.js";
import { inputName, type InputRef } from "./InputTransport.js";
import type { SourceRecord } from "./SourceRecord.js";

export type InputFormat = "csv" | "jsonl";

import type { SourceShape } from "../domain/run/shape.js";

export type { SourceShape } from "../domain/run/shape.js";

export interface Source {
  readonly shape: SourceShape;
  readonly roles: ColumnRoles | undefined;
  readonly records: AsyncIterable<SourceRecord>;
  /** Lines that hold no row (all cells empty), met so far. */
  blankLines(): number;
}

export interface SourceOptions {
  /** CSV only: the field separator (default ","). */
  readonly delimiter?: string | undefined;
  /**
   * The producer's check: with no `--instance-id` (`defaultInstanceId`), a file
   * that names no instance (no instanceId column; a first JSONL object without
   * one) is refused before anything is queued, since every row would fail alike.
   */
  readonly requireInstance?: { readonly defaultInstanceId: string | undefined };
  /** CSV only: a job's column mapping (renames, drops, transforms, constants). */
  readonly mapping?: ColumnMapping | undefined;
  /** Told, as each record is handed on, how far into the file (bytes) it ends: the producer's progress. */
  readonly onOffset?: ((bytes: number) => void) | undefined;
}

function noInstance(path: string, what: string): MissingInstanceIdError {
  return new MissingInstanceIdError(
    `${path}: ${what} and no --instance-id was given; give --instance-id (or CONNECT_INSTANCE_ID), or name the instance in the file.`,
  );
}

export function formatOf(path: string, flag: InputFormat | undefined): InputFormat {
  if (flag) return flag;
  if (path === STDIN) throw new InputFileError(`standard input has no file name to tell the format by; pass --format csv or --format jsonl.`);
  const ext = extname(path).toLowerCase();
  // A workbook (failures.xlsx, fed back) is read as CSV rows: the first sheet, its first row the header.
  if (ext === ".csv" || ext === ".txt" || ext === ".xlsx") return "csv";
  if (ext === ".jsonl" || ext === ".ndjson") return "jsonl";
  throw new InputFileError(`${path}: cannot tell the format from the extension "${ext}"; name it .csv or .jsonl, or pass --format csv|jsonl.`);
}

/** Opens a CSV or JSONL file as a stream of records; file-level problems throw InputFileError. */
export async function openSource(input: InputRef, format: InputFormat, opts: SourceOptions = {}): Promise<Source> {
  const path = inputName(input);
  if (format === "csv" && extname(path).toLowerCase() === ".xlsx") {
    // Loaded for a workbook only: the spreadsheet library is most of a CSV command's start-up.
    const { readXlsx } = await import("./readXlsx.js");
    const sheet = await readXlsx(input);
    const roles = columnRoles(sheet.header, path, opts.mapping);
    if (opts.requireInstance && roles.instanceId === undefined && !opts.requireInstance.defaultInstanceId)
      throw noInstance(path, "the workbook has no instanceId column");
    return { shape: { format, header: sheet.header }, roles, records: sheet.records, blankLines: sheet.blankLines };
  }
  if (format === "csv") {
    const bytes = opts.onOffset ? { onOffset: opts.onOffset } : {};
    let csv = await readCsv(input, opts.delimiter === undefined ? bytes : { delimiter: opts.delimiter, ...bytes });
    // Our own failures.csv is always comma-separated: fed back as a job whose export uses ";", it is still read right.
    const only = csv.header.length === 1 ? (csv.header[0] ?? "") : "";
    if (opts.delimiter !== undefined && opts.delimiter !== "," && /(^|,)#line(,|$)/.test(only) && /(^|,)#status(,|$)/.test(only)) {
      await csv.records[Symbol.asyncIterator]().return?.();
      csv = await readCsv(input, bytes);
    }
    const roles = columnRoles(csv.header, path, opts.mapping);
    if (opts.requireInstance && roles.instanceId === undefined && !opts.requireInstance.defaultInstanceId)
      throw noInstance(path, "the file has no instanceId column");
    let records = csv.records;
    // As for JSONL's first object: an instanceId column left empty names no instance either.
    if (opts.requireInstance && !opts.requireInstance.defaultInstanceId && roles.instanceId !== undefined) {
      const column = roles.instanceId;
      const it = csv.records[Symbol.asyncIterator]();
      const first = await it.next();
      if (!first.done && first.value.kind === "fields" && (first.value.fields[column] ?? "").trim() === "") {
        await it.return?.();
        throw noInstance(path, `its first row (line ${first.value.line}) has an empty instanceId`);
      }
      // The first record, then the reader's own: no generator in between (a promise and more per record).
      // Left early, the reader is told (it closes the file); at its end it closes it itself.
      let given = first.done === true;
      const rest: AsyncIterableIterator<SourceRecord> = {
        [Symbol.asyncIterator]: () => rest,
        next: () => {
          if (given) return it.next();
          given = true;
          return Promise.resolve(first);
        },
        return: () => it.return?.() ?? Promise.resolve({ done: true, value: undefined }),
      };
      records = rest;
    }
    return { shape: { format, header: csv.header }, roles, records, blankLines: csv.blankLines };
  }
  let blank = 0;
  const records = readJsonl(input, opts.onOffset, () => {
    blank++;
  });
  // Opening happens on the first pull; do it now so a missing file fails before anything is queued.
  const first = await records.next();
  // As an empty CSV is (no header): a truncated or failed export must not look like a night with nothing to send.
  if (first.done) throw new InputFileError(`${path}: the file is empty (no line holds a JSON object); a JSONL file has one object per line.`);
  if (opts.requireInstance && !opts.requireInstance.defaultInstanceId && !first.done && first.value.kind === "object") {
    const v = first.value.value;
    if (typeof (v.instanceId ?? v.InstanceId) !== "string") throw noInstance(path, `its first object (line ${first.value.line}) has no instanceId`);
  }
  async function* all(): AsyncGenerator<SourceRecord> {
    try {
      if (!first.done) yield first.value;
      yield* records;
    } finally {
      await records.return(undefined);
    }
  }
  return { shape: { format }, roles: undefined, records: all(), blankLines: () => blank };
}
