import { parse, type CsvError } from "csv-parse";
import { InputFileError } from "./InputFileError.js";
import { MAX_RECORD_BYTES, type SourceRecord } from "./SourceRecord.js";
import { openInput } from "./openInput.js";

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
}

function newlinesIn(raw: string): number {
  let n = 0;
  for (let i = raw.indexOf("\n"); i !== -1; i = raw.indexOf("\n", i + 1)) n++;
  // csv-parse hands over a CRLF record's raw text without its final "\n".
  if (raw.endsWith("\r")) n++;
  return n;
}

/** Stands, in what csv-parse is given, where a record too large to hand over was. */
const OVERSIZED_MARK = "\u0000connect-backfill:record-too-large\u0000";

interface Oversized {
  /** Line feeds in the dropped record, its terminator included. */
  readonly newlines: number;
  readonly head: Buffer;
}

const QUOTE = 0x22;

const LF = 0x0a;
const CR = 0x0d;

/**
 * Finds where records end the way csv-parse does (a quote opens a quoted field only
 * at the start of a field; "" inside one is a quote) and hands csv-parse whole
 * records only, so a record that outgrows MAX_RECORD_BYTES never reaches it.
 * csv-parse's own max_record_size cannot be used: after that error its state is
 * broken and it silently drops the rest of the file. A dropped record is replaced
 * by a one-field marker record, which keeps records and line numbers in order.
 */
class RecordSplitter {
  private inQuotes = false;
  /** A quote inside a quoted field: the closing one, or the first of "". */
  private quotePending = false;
  private fieldStart = true;
  private afterCr = false;
  /** Bytes and line feeds of the open record so far. */
  private size = 0;
  private newlines = 0;
  /** Bytes from earlier chunks not yet given: the open record, or one that ended in this chunk. */
  private held: Buffer[] = [];
  /** The first bytes of the record being dropped. */
  private dropping: Buffer | undefined;
  private chunk: Buffer = Buffer.alloc(0);
  /** First byte of `chunk` neither given nor dropped. */
  private from = 0;
  /** Where the open record starts in `chunk`; -1 when it started in an earlier chunk. */
  private recordStart = 0;
  /** A record ended in this chunk: `held` and `chunk[from, recordStart)` are complete. */
  private completed = false;

  constructor(
    /** The field separator's byte: a quote opens a quoted field only right after it. */
    private readonly delimiter: number,
    private readonly give: (bytes: Buffer) => void,
    private readonly onOversized: (o: Oversized) => void,
  ) {}

  push(chunk: Buffer): void {
    this.chunk = chunk;
    this.from = 0;
    this.recordStart = this.held.length > 0 || this.dropping ? -1 : 0;
    this.completed = false;
    for (let i = 0; i < chunk.length; i++) {
      let b = chunk[i] as number;
      if (this.afterCr) {
        this.afterCr = false;
        if (b === LF) {
          this.recordEnds(i + 1, "\r\n");
          continue;
        }
        this.recordEnds(i, "\r"); // a lone CR (old Mac files) ended the record
      }
      if (this.quotePending) {
        this.quotePending = false;
        if (b === QUOTE)
          b = -1; // the second quote of "": a plain character
        else this.inQuotes = false;
      }
      if (this.inQuotes) {
        if (b === QUOTE) this.quotePending = true;
        else if (b === LF) this.newlines++;
      } else if (b === LF) {
        this.recordEnds(i + 1, "\n");
        continue; // the line break is not counted in the record's size
      } else if (b === CR) {
        this.afterCr = true;
      } else if (b === QUOTE) {
        this.inQuotes = this.fieldStart;
        this.fieldStart = false;
      } else {
        this.fieldStart = b === this.delimiter;
      }
      if (++this.size > MAX_RECORD_BYTES && !this.dropping) this.startDropping(i);
    }
    if (this.dropping) return; // the rest of the chunk belongs to the dropped record
    const end = this.recordStart === -1 ? this.from : this.recordStart;
    if (this.completed) {
      this.giveParts([...this.held, chunk.subarray(this.from, end)]);
      this.held = [];
    }
    if (end < chunk.length) this.held.push(chunk.subarray(end));
  }

  end(): void {
    if (this.dropping) {
      this.onOversized({ newlines: this.newlines + (this.afterCr ? 1 : 0), head: this.dropping });
      this.give(Buffer.from(OVERSIZED_MARK));
      this.dropping = undefined;
    } else {
      this.giveParts(this.held);
    }
    this.held = [];
  }

  private giveParts(parts: Buffer[]): void {
    const bytes = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
    if (bytes.length > 0) this.give(bytes);
  }

  private startDropping(i: number): void {
    let open: Buffer[];
    if (this.recordStart === -1) {
      open = [...this.held, this.chunk.subarray(0, i + 1)];
    } else {
      if (this.completed) this.giveParts([...this.held, this.chunk.subarray(this.from, this.recordStart)]);
      open = [this.chunk.subarray(this.recordStart, i + 1)];
    }
    this.dropping = Buffer.from(Buffer.concat(open).subarray(0, 200));
    this.held = [];
    this.completed = false;
  }

  private recordEnds(end: number, terminator: string): void {
    if (terminator !== "") this.newlines++;
    if (this.dropping) {
      this.onOversized({ newlines: this.newlines, head: this.dropping });
      this.give(Buffer.from(OVERSIZED_MARK + terminator));
      this.dropping = undefined;
      this.from = end;
    } else {
      this.completed = true;
    }
    this.recordStart = end;
    this.size = 0;
    this.newlines = 0;
    this.inQuotes = false;
    this.quotePending = false;
    this.fieldStart = true;
  }
}

/**
 * Streams a CSV file record by record. csv-parse does the parsing; this wrapper
 * keeps records and parse errors in file order (both arrive through synchronous
 * callbacks), counts lines itself (csv-parse counts a quoted CRLF twice), and turns
 * every broken record into a `malformed` record instead of an exception.
 */
export async function readCsv(path: string, opts: CsvOptions = {}): Promise<CsvSource> {
  const delimiter = opts.delimiter ?? ",";
  const stream = await openInput(path);
  const pending: SourceRecord[] = [];
  let line = 1;
  let blank = 0;
  let header: string[] | undefined;
  // Records the splitter kept from csv-parse, in file order, one per marker record.
  const oversized: Oversized[] = [];

  const parser = parse({
    bom: true,
    delimiter,
    relax_column_count: true,
    relax_quotes: true,
    raw: true,
    skip_records_with_error: true,
    // With `raw` on, csv-parse hands over { record, raw }.
    on_record: (given: { record: string[]; raw: string }) => {
      const record = given.record;
      const raw = given.raw ?? "";
      const start = line;
      if (header === undefined) {
        line += newlinesIn(raw);
        header = record;
        return null;
      }
      if (record.some((f) => f.includes(OVERSIZED_MARK))) {
        const dropped = oversized.shift();
        line += dropped ? dropped.newlines : newlinesIn(raw);
        pending.push({
          kind: "malformed",
          line: start,
          code: "RecordTooLarge",
          reason: `is larger than ${MAX_RECORD_BYTES} bytes, which no valid row can be`,
          raw: dropped ? dropped.head.toString("utf8") : "",
        });
        return null;
      }
      line += newlinesIn(raw);
      if (record.length === 1 && record[0] === "" && raw.trim() === "") return null; // blank line: not a row
      // Every cell empty: a spreadsheet's trailing ",,,," row, not a row of data. Counted, not reported.
      if (record.every((f) => f.trim() === "")) {
        blank++;
        return null;
      }
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
      const reason =
        err?.code === "CSV_QUOTE_NOT_CLOSED"
          ? "has a quoted field that is never closed (it runs to the end of the file)"
          : `could not be parsed as CSV (${err?.message ?? "unknown error"})`;
      pending.push({ kind: "malformed", line, code: "MalformedCsv", reason, raw: text.slice(0, 2000) });
      line += newlinesIn(text);
    },
  } as unknown as import("csv-parse").Options);

  const splitter = new RecordSplitter(
    delimiter.charCodeAt(0),
    (bytes) => parser.write(bytes),
    (o) => oversized.push(o),
  );
  const chunks = stream[Symbol.asyncIterator]();
  let ended = false;
  const pump = async (): Promise<boolean> => {
    if (ended) return false;
    const next = await chunks.next();
    if (next.done) {
      ended = true;
      splitter.end();
      await new Promise<void>((resolve, reject) => {
        if (parseError) reject(parseError);
        parser.once("error", reject);
        parser.end(resolve);
      });
      return pending.length > 0;
    }
    bytesIn += (next.value as Buffer).length;
    splitter.push(next.value as Buffer);
    if (parseError) throw new InputFileError(`${path}: could not be read as CSV (${parseError.message}).`);
    return true;
  };
  let parseError: Error | undefined;
  let bytesIn = 0;
  parser.on("error", (err: Error) => {
    parseError = err;
  });
  parser.resume(); // records are taken in on_record; nothing is ever pushed downstream

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
  return { header, records: records(), blankLines: () => blank };
}
