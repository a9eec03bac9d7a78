import { parse, type CsvError } from "csv-parse";
import { InputFileError } from "./InputFileError.js";
import { MAX_RECORD_BYTES, type SourceRecord } from "./SourceRecord.js";
import { openInput } from "./openInput.js";

export interface CsvSource {
  readonly header: string[];
  /** Line of the first record after the header. */
  readonly records: AsyncIterable<SourceRecord>;
}

function newlinesIn(raw: string): number {
  let n = 0;
  for (let i = raw.indexOf("\n"); i !== -1; i = raw.indexOf("\n", i + 1)) n++;
  // csv-parse hands over a CRLF record's raw text without its final "\n".
  if (raw.endsWith("\r")) n++;
  return n;
}

/**
 * Streams a CSV file record by record. csv-parse does the parsing; this wrapper
 * keeps records and parse errors in file order (both arrive through synchronous
 * callbacks), counts lines itself (csv-parse counts a quoted CRLF twice), and turns
 * every broken record into a `malformed` record instead of an exception.
 */
export async function readCsv(path: string): Promise<CsvSource> {
  const stream = await openInput(path);
  const pending: SourceRecord[] = [];
  let line = 1;
  let header: string[] | undefined;
  // After a record outgrows MAX_RECORD_BYTES, csv-parse reports each further
  // character; one invalid row is what the person needs to see.
  let oversized = false;

  const parser = parse({
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    raw: true,
    skip_records_with_error: true,
    max_record_size: MAX_RECORD_BYTES,
    // With `raw` on, csv-parse hands over { record, raw }.
    on_record: (given: { record: string[]; raw: string }) => {
      const record = given.record;
      const raw = given.raw ?? "";
      const start = line;
      line += newlinesIn(raw);
      if (oversized) {
        oversized = false;
        return null; // the tail of the oversized record
      }
      if (header === undefined) {
        header = record;
        return null;
      }
      if (record.length === 1 && record[0] === "" && raw.trim() === "") return null; // blank line: not a row
      if (record.some((f) => f.includes("\uFFFD"))) {
        pending.push({ kind: "malformed", line: start, code: "InvalidUtf8", reason: "is not valid UTF-8", raw });
      } else if (record.length !== header.length) {
        pending.push({
          kind: "malformed",
          line: start,
          code: "RaggedRow",
          reason: `has ${record.length} fields where the header has ${header.length}`,
          raw,
        });
      } else {
        pending.push({ kind: "fields", line: start, fields: record });
      }
      return null;
    },
    on_skip: (err: CsvError | undefined, raw?: string) => {
      const text = raw ?? "";
      if (err?.code === "CSV_MAX_RECORD_SIZE") {
        if (oversized) return;
        oversized = true;
        pending.push({
          kind: "malformed",
          line,
          code: "RecordTooLarge",
          reason: `is larger than ${MAX_RECORD_BYTES} bytes, which no valid row can be`,
          raw: text.slice(0, 200),
        });
        return;
      }
      const reason =
        err?.code === "CSV_QUOTE_NOT_CLOSED"
          ? "has a quoted field that is never closed (it runs to the end of the file)"
          : `could not be parsed as CSV (${err?.message ?? "unknown error"})`;
      pending.push({ kind: "malformed", line, code: "MalformedCsv", reason, raw: text.slice(0, 2000) });
      line += newlinesIn(text);
    },
  } as unknown as import("csv-parse").Options);

  const chunks = stream[Symbol.asyncIterator]();
  let ended = false;
  const pump = async (): Promise<boolean> => {
    if (ended) return false;
    const next = await chunks.next();
    if (next.done) {
      ended = true;
      await new Promise<void>((resolve, reject) => {
        if (parseError) reject(parseError);
        parser.once("error", reject);
        parser.end(resolve);
      });
      return pending.length > 0;
    }
    parser.write(next.value as Buffer);
    if (parseError) throw new InputFileError(`${path}: could not be read as CSV (${parseError.message}).`);
    return true;
  };
  let parseError: Error | undefined;
  parser.on("error", (err: Error) => {
    parseError = err;
  });
  parser.resume(); // records are taken in on_record; nothing is ever pushed downstream

  try {
    while (header === undefined && (await pump())) {
      /* read until the header is complete */
    }
  } catch (err) {
    stream.destroy();
    throw new InputFileError(`${path}: could not be read as CSV (${(err as Error).message}).`);
  }
  if (header === undefined) {
    throw new InputFileError(`${path}: the file is empty; a CSV file needs a header line naming its columns.`);
  }
  if (header.some((h) => h.includes("\uFFFD"))) {
    throw new InputFileError(`${path}: the header line is not valid UTF-8.`);
  }

  async function* records(): AsyncGenerator<SourceRecord> {
    try {
      for (;;) {
        if (pending.length > 0) {
          // splice, not shift: a 64 KiB chunk holds hundreds of records
          yield* pending.splice(0, pending.length);
          continue;
        }
        if (!(await pump()) && pending.length === 0) return;
      }
    } finally {
      stream.destroy();
    }
  }
  return { header, records: records() };
}
