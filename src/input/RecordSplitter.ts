import { MAX_RECORD_BYTES } from "./SourceRecord.js";

/** Stands, in what csv-parse is given, where a record too large to hand over was. */
export const OVERSIZED_MARK = "\u0000connect-backfill:record-too-large\u0000";

export interface Oversized {
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
export class RecordSplitter {
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
    // The marker goes now, not when the record ends: csv-parse hands over a record only once it has
    // seen a few bytes past its end, so the record before (the header) would wait for the whole drop.
    this.give(Buffer.from(OVERSIZED_MARK));
  }

  private recordEnds(end: number, terminator: string): void {
    if (terminator !== "") this.newlines++;
    if (this.dropping) {
      this.onOversized({ newlines: this.newlines, head: this.dropping });
      this.give(Buffer.from(terminator));
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
