import type { CsvError } from "csv-parse";
import { requirePackage } from "../lib/requirePackage.js";
import { InputFileError } from "./InputFileError.js";
import { MAX_RECORD_BYTES, type SourceRecord } from "./SourceRecord.js";
import { inputName, type InputRef } from "./InputTransport.js";
import { openInput } from "./openInput.js";
import { PlainRecords } from "./PlainRecords.js";
import { OVERSIZED_MARK, type Oversized, RecordSplitter } from "./RecordSplitter.js";

const { parse } = requirePackage("csv-parse") as typeof import("csv-parse");

export interface CsvSource {
  readonly header: string[];
  /** Line of the first record after the header. */
  readonly records: AsyncIterable<SourceRecord>;
  /** Records whose cells are all empty (Excel's trailing ",,,," rows) met so far: not rows. */
  blankLines(): number;
}

export interface CsvOptions {
  /** The field separator: "," by default, ";" from European Excel, tab, "|". */
  readonly delimiter?: string;
  /** Told, as each record is handed on, the file's bytes up to its end (about: records that are dropped count as they come). */
  readonly onOffset?: ((bytes: number) => void) | undefined;
  /** csv-parse reads every record, plain ones too (the plain split is compared with it in tests). */
  readonly parserOnly?: boolean;
}

function newlinesIn(raw: string): number {
  let n = 0;
  for (let i = raw.indexOf("\n"); i !== -1; i = raw.indexOf("\n", i + 1)) n++;
  // csv-parse hands over a CRLF record's raw text without its final "\n".
  if (raw.endsWith("\r")) n++;
  return n;
}

/**
 * Streams a CSV file record by record. Records without quotes, or with simple quoted
 * fields, are split without a parser (PlainRecords: what csv-parse makes of them, about
 * three times faster); from the first record that is not, csv-parse does the parsing. This wrapper keeps records and parse
 * errors in file order (both arrive through synchronous callbacks), counts lines itself
 * (csv-parse counts a quoted CRLF twice), and turns every broken record into a
 * `malformed` record instead of an exception.
 */
export async function readCsv(input: InputRef, opts: CsvOptions = {}): Promise<CsvSource> {
  const delimiter = opts.delimiter ?? ",";
  const path = inputName(input);
  const stream = await openInput(input);
  const pending: SourceRecord[] = [];
  // The file's bytes up to the end of each pending record, for the producer's progress (`onOffset`).
  const ends: number[] = [];
  let consumed = 0;
  const push = (rec: SourceRecord) => {
    pending.push(rec);
    ends.push(consumed);
  };
  let line = 1;
  let blank = 0;
  let header: string[] | undefined;
  /** The header's line ends in LF alone: a later line ending in CRLF would carry its CR into its last value. */
  let lfFile = false;
  // Records the splitter kept from csv-parse, in file order, one per marker record.
  const oversized: Oversized[] = [];

  /**
   * csv-parse, from the first record the plain split hands back on (PlainRecords.ts), with the terminator
   * the header set (csv-parse would detect it there, not mid-file) and no byte-order mark to look for.
   */
  const parserFrom = (terminator: string | undefined) =>
    parse({
      bom: terminator === undefined,
      ...(terminator === undefined ? {} : { record_delimiter: terminator }),
      delimiter,
      relax_column_count: true,
      relax_quotes: true,
      raw: true,
      skip_records_with_error: true,
      on_skip: (err: CsvError | undefined, raw?: string) => {
        const text = raw ?? "";
        if (opts.onOffset) consumed += Buffer.byteLength(text);
        const reason =
          err?.code === "CSV_QUOTE_NOT_CLOSED"
            ? "has a quoted field that is never closed (it runs to the end of the file)"
            : `could not be parsed as CSV (${err?.message ?? "unknown error"})`;
        push({ kind: "malformed", line, code: "MalformedCsv", reason, raw: text.slice(0, 2000) });
        line += newlinesIn(text);
      },
    } as unknown as import("csv-parse").Options);
  /**
   * One record, from csv-parse or the plain split: its fields, its raw text as csv-parse gives it (`raw` then
   * `tail`: the plain split's line end, joined only for a record that is reported), the line feeds it spans
   * and its bytes. `plain`: split here, so it holds no marker of a dropped record.
   */
  const take = (record: string[], raw: string, tail: string, newlines: number, bytes: number, plain: boolean) => {
    if (opts.onOffset) consumed += bytes;
    const start = line;
    if (header === undefined) {
      line += newlines;
      header = record;
      lfFile = (raw + tail).endsWith("\n") && !(raw + tail).endsWith("\r\n");
      return;
    }
    if (!plain && record.some((f) => f.includes(OVERSIZED_MARK))) {
      const dropped = oversized.shift();
      line += dropped ? dropped.newlines : newlines;
      push({
        kind: "malformed",
        line: start,
        code: "RecordTooLarge",
        reason: `is larger than ${MAX_RECORD_BYTES} bytes, which no valid row can be`,
        raw: dropped ? dropped.head.toString("utf8") : "",
      });
      return;
    }
    line += newlines;
    // A line ending in CR (LF) in a file whose lines end in LF (its header's): csv-parse keeps the CR in its last
    // cell. Only its records can end so (its raw text holds the line end): the plain split hands it every record
    // with a CR in an LF file.
    const mixed = lfFile && !plain && /\r\n?$/.test(raw);
    // Every cell empty (an empty line, a spreadsheet's trailing ",,,," row), the CR of a mixed line end aside: not
    // a row of data. Counted, not reported, so the summary accounts for every line of the file. A cell of spaces is
    // written: its line is a row whose outcome says what is wrong with it (as in a workbook), never one that vanishes.
    if (record.every((f, i) => f === "" || (mixed && f === "\r" && i === record.length - 1))) {
      blank++;
      return;
    }
    // A plain record's fields are its text cut at the separator: one look at the text for all of them.
    if (plain ? raw.includes("\uFFFD") : record.some((f) => f.includes("\uFFFD"))) {
      push({ kind: "malformed", line: start, code: "InvalidUtf8", reason: "is not valid UTF-8", raw: raw + tail });
    } else if (plain ? raw.includes("\u0000") : record.some((f) => f.includes("\u0000"))) {
      // A stray zero byte in a text file (a damaged export), wherever it is: that line's outcome, not the file's.
      const refused = { code: "NulCharacter", reason: "holds a NUL character (a zero byte), which no text export writes: the line is damaged" };
      // Its cells as read (its outcome names its contact, failures.csv gives them back), unless they are ragged too.
      push(
        record.length === header.length ? { kind: "fields", line: start, fields: record, refused } : { kind: "malformed", line: start, ...refused, raw: raw + tail },
      );
    } else if (mixed) {
      // Said, not sent with the CR: the file holds two kinds of line end (two exports joined, an edit in another editor).
      push({
        kind: "malformed",
        line: start,
        code: "MixedLineEnds",
        reason:
          "ends in a carriage return (CRLF) where the file's lines end in LF (its header's): its last value would be sent with it; save the file with one kind of line end",
        raw: raw + tail,
      });
    } else if (record.length !== header.length) {
      push({
        kind: "malformed",
        line: start,
        code: "RaggedRow",
        reason: `has ${record.length} fields where the header has ${header.length}`,
        raw: raw + tail,
      });
    } else {
      push({ kind: "fields", line: start, fields: record });
    }
  };

  let parseError: Error | undefined;
  let bytesIn = 0;
  // Plain records are split here; csv-parse (behind its splitter) reads the file from the first that is not.
  let plain = opts.parserOnly
    ? undefined
    : new PlainRecords(delimiter, (fields, text, tail) => take(fields, text, tail, tail === "" ? 0 : 1, text.length + tail.length, true));
  let parsing: { parser: ReturnType<typeof parse>; splitter: RecordSplitter } | undefined;
  const startParser = (terminator: string | undefined) => {
    const parser = parserFrom(terminator);
    // With `raw` on, csv-parse hands over { record, raw }. Taken from "data", not csv-parse's `on_record`:
    // that hook builds an info object per record (a fifth of a large file's reading time). The parser flows
    // and nothing is ever buffered, so each record arrives synchronously, in order with `on_skip`.
    parser.on("data", (given: { record: string[]; raw: string }) => {
      const raw = given.raw ?? "";
      take(given.record, raw, "", newlinesIn(raw), Buffer.byteLength(raw), false);
    });
    parser.on("error", (err: Error) => {
      parseError = err;
    });
    parser.resume(); // records are taken in the "data" handler above, as they are parsed
    const splitter = new RecordSplitter(
      delimiter.charCodeAt(0),
      (bytes) => parser.write(bytes),
      (o) => oversized.push(o),
    );
    parsing = { parser, splitter };
    return parsing;
  };
  if (!plain) startParser(undefined);
  /** Bytes the plain split handed back: csv-parse reads them, and every later byte. */
  const handOver = (rest: Buffer | undefined) => {
    if (!rest) return;
    const from = plain as PlainRecords;
    plain = undefined;
    startParser(from.lineEnd).splitter.push(rest);
  };
  const chunks = stream[Symbol.asyncIterator]();
  let ended = false;
  const pump = async (): Promise<boolean> => {
    if (ended) return false;
    const next = await chunks.next();
    if (next.done) {
      ended = true;
      if (plain) handOver(plain.end());
      if (parsing) {
        const { parser, splitter } = parsing;
        splitter.end();
        await new Promise<void>((resolve, reject) => {
          if (parseError) reject(parseError);
          parser.once("error", reject);
          parser.end(resolve);
        });
      }
      return pending.length > 0;
    }
    bytesIn += (next.value as Buffer).length;
    if (plain) handOver(plain.push(next.value as Buffer));
    else parsing?.splitter.push(next.value as Buffer);
    if (parseError) throw new InputFileError(`${path}: could not be read as CSV (${parseError.message}).`);
    return true;
  };

  try {
    while (header === undefined && (await pump())) {
      // A header is a line: past a few MiB without one, this is not a CSV file (or a stream without line ends).
      if (bytesIn > 4 * MAX_RECORD_BYTES)
        throw new InputFileError(`${path}: no header line in its first ${(4 * MAX_RECORD_BYTES) / 1048576} MiB; is this a CSV file?`);
    }
  } catch (err) {
    stream.destroy();
    if (err instanceof InputFileError) throw err;
    throw new InputFileError(`${path}: could not be read as CSV (${(err as Error).message}).`);
  }
  if (header === undefined) {
    throw new InputFileError(`${path}: the file is empty; a CSV file needs a header line naming its columns.`);
  }
  if (header.some((h) => h.includes("\uFFFD"))) {
    stream.destroy();
    throw new InputFileError(`${path}: the header line is not valid UTF-8.`);
  }
  if (header.some((h) => h.includes(OVERSIZED_MARK))) {
    stream.destroy();
    throw new InputFileError(`${path}: the header line is larger than ${MAX_RECORD_BYTES} bytes; is this a CSV file?`);
  }
  if (header.some((h) => h.includes("\u0000"))) {
    stream.destroy();
    throw new InputFileError(`${path}: the header line holds NUL bytes; it is not a CSV text file.`);
  }

  // An iterator of its own, not an async generator: a generator's machinery (its promises, its state, and the
  // first-row check's generator over it) was ~18% of a 1M-row enqueue's allocations; here a record already read
  // is one resolved promise.
  let batch: SourceRecord[] = [];
  let batchEnds: number[] = [];
  let next = 0;
  let closed = false;
  const close = () => {
    closed = true;
    batch = [];
    stream.destroy();
  };
  const done: IteratorReturnResult<undefined> = { done: true, value: undefined };
  /** Reads on until records are pending (or the file ends), then hands them over as the next batch. */
  const refill = async (): Promise<IteratorResult<SourceRecord>> => {
    try {
      while (pending.length === 0) {
        if (!(await pump()) && pending.length === 0) {
          close();
          return done;
        }
      }
    } catch (err) {
      close();
      throw err;
    }
    // All that is pending at once, then handed on one by one: a 256 KiB read holds thousands of records.
    batch = pending.splice(0, pending.length);
    batchEnds = ends.splice(0, ends.length);
    next = 0;
    return records.next();
  };
  const records: AsyncIterableIterator<SourceRecord> = {
    [Symbol.asyncIterator]() {
      return records;
    },
    next(): Promise<IteratorResult<SourceRecord>> {
      if (closed) return Promise.resolve(done);
      if (next < batch.length) {
        if (opts.onOffset) opts.onOffset(batchEnds[next] ?? consumed);
        return Promise.resolve({ done: false, value: batch[next++] as SourceRecord });
      }
      return refill();
    },
    return(): Promise<IteratorResult<SourceRecord>> {
      if (!closed) close();
      return Promise.resolve(done);
    },
  };
  return { header, records, blankLines: () => blank };
}
