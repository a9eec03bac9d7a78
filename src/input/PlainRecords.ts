import { MAX_RECORD_BYTES } from "./SourceRecord.js";

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** A file's record terminator, as csv-parse detects it: the first line end it meets. */
export type Terminator = "\n" | "\r\n" | "\r";

/**
 * A record as csv-parse would hand it over: its fields, and its raw text as `text` then `tail` (the line end
 * as csv-parse's raw text holds it: for CRLF, the CR alone; "" for a last record without one).
 */
export type OnRecord = (fields: string[], text: string, tail: string) => void;

/**
 * Splits the records of a CSV file without a parser where that is sure to give what csv-parse gives
 * (relax_quotes, no trimming): a record without quotes is its text cut at the separator; one whose quoted
 * fields are simple (closed on the same line, right before a separator or the record's end; "" is a quote)
 * is cut by simplyQuoted. Parsing was most of the time it takes to read a file (csv-parse ~3.4 µs a row of
 * 4 fields; this, under 1 µs, a file with every field quoted about the same).
 *
 * It takes what it can be sure of and hands the rest back: from the first record with a quoted field that
 * is not simple (one that runs on to the next line, or text after its closing quote), a line end that is not
 * the file's terminator (a lone CR in an LF file, an LF without its CR in a CRLF file: csv-parse keeps those
 * in the field, and so would a split, but such files are rare enough to leave to the parser) or a record
 * nearly MAX_RECORD_BYTES long, `push` returns the bytes from that record's start (a record boundary), and
 * csv-parse reads the file from there on (readCsv.ts). The header decides the terminator as csv-parse does;
 * a header whose quotes are not simple, or no line end in sight, hands back the file from its first byte.
 * Every file reads as csv-parse alone reads it (test/input/plainRecords.test.ts compares the two on
 * generated files).
 */
export class PlainRecords {
  private held: Buffer | undefined;
  private terminator: Terminator | undefined;

  constructor(
    private readonly separator: string,
    private readonly onRecord: OnRecord,
  ) {}

  /** The terminator found at the header (undefined before it). */
  get lineEnd(): Terminator | undefined {
    return this.terminator;
  }

  /** Takes a chunk; returns undefined, or the bytes csv-parse must read from here on (nothing more comes here). */
  push(chunk: Buffer): Buffer | undefined {
    let buf = this.held ? Buffer.concat([this.held, chunk]) : chunk;
    this.held = undefined;
    if (this.terminator === undefined) {
      const start = buf.subarray(0, 3).equals(BOM) ? 3 : 0;
      let eol = start;
      while (eol < buf.length && buf[eol] !== LF && buf[eol] !== CR) eol++;
      if (eol - start > MAX_RECORD_BYTES) return buf;
      // A quote in the header: taken only where its quotes are simple (its first line end is then no quoted one).
      const quote = buf.indexOf(QUOTE);
      if (quote !== -1 && quote < eol && !simplyQuoted(buf.toString("utf8", start, eol), this.separator)) return buf;
      // Not decided yet: no line end, or a CR whose next byte (an LF or not) is still to come.
      if (eol === buf.length || (buf[eol] === CR && eol + 1 === buf.length)) {
        this.held = buf;
        return undefined;
      }
      this.terminator = buf[eol] === LF ? "\n" : buf[eol + 1] === LF ? "\r\n" : "\r";
      buf = buf.subarray(start);
    }
    const stop = this.takeRecords(buf, false);
    if (stop < buf.length && this.held === undefined) return buf.subarray(stop);
    return undefined;
  }

  /** The input ended: its last record (without a line end) if plain; else what csv-parse must read. */
  end(): Buffer | undefined {
    const rest = this.held;
    this.held = undefined;
    if (!rest || rest.length === 0) return undefined;
    // A file that is all header without a line end: csv-parse says what it makes of it.
    if (this.terminator === undefined) return rest;
    const stop = this.takeRecords(rest, true);
    return stop < rest.length ? rest.subarray(stop) : undefined;
  }

  /**
   * Hands over the plain whole records of `buf` from its start; returns where it stopped. A record not yet
   * complete is held (unless `last`: then it is the file's last record). Stops at the first record that is
   * not plain, and holds nothing then.
   */
  private takeRecords(buf: Buffer, last: boolean): number {
    const t = this.terminator as Terminator;
    const endByte = t === "\n" ? LF : t === "\r\n" ? LF : CR;
    // The whole records: up to the last terminator.
    let complete = buf.lastIndexOf(endByte) + 1;
    if (last) complete = buf.length;
    // The first byte that a plain record cannot hold: a line end that is not the terminator, or a record nearly too large.
    let bad = firstStrayLineEnd(buf, complete, t);
    const big = firstNearlyTooLarge(buf, bad === -1 ? complete : bad, endByte);
    if (big !== -1) bad = big;
    const plainEnd = bad === -1 ? complete : recordStartBefore(buf, bad, endByte);
    if (plainEnd > 0) {
      // A record whose quotes are not all simple (closed on its line, before a separator or its end) stops the split there.
      const stopped = this.split(buf.toString("utf8", 0, plainEnd), t, last && plainEnd === buf.length);
      if (stopped !== -1) return lineStart(buf, stopped, endByte);
    }
    if (bad !== -1) return plainEnd;
    if (complete < buf.length) {
      // A record still growing: past the largest a record may be, csv-parse (behind its splitter) takes it.
      if (buf.length - complete >= NEARLY_TOO_LARGE) return complete;
      this.held = buf.subarray(complete);
    }
    return buf.length;
  }

  /**
   * Splits whole records' text; `unterminated`: the text's last record has no line end (the file's last).
   * Returns -1, or the index of the first record it could not split (nothing from there on was handed over).
   */
  private split(text: string, t: Terminator, unterminated: boolean): number {
    const lines = text.split(t);
    // The text ends with a terminator: split leaves an empty string after it, which is no record.
    const n = unterminated ? lines.length : lines.length - 1;
    // csv-parse's raw text of a CRLF record stops at the CR.
    const tail = t === "\r\n" ? "\r" : t;
    for (let i = 0; i < n; i++) {
      const line = lines[i] as string;
      const fields = line.indexOf('"') === -1 ? line.split(this.separator) : simplyQuoted(line, this.separator);
      if (!fields) return i;
      this.onRecord(fields, line, unterminated && i === n - 1 ? "" : tail);
    }
    return -1;
  }
}

/**
 * The fields of a record whose quoted fields are all simple: a field that starts with a quote ends at the
 * next lone quote, on the same line, right before a separator or the record's end ("" inside is a quote).
 * A quote inside an unquoted field is a plain character (csv-parse's relax_quotes). Anything else
 * (a quoted field that runs on to the next line, or text after its closing quote): undefined, and csv-parse
 * reads the file from that record on.
 */
export function simplyQuoted(line: string, separator: string): string[] | undefined {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line.charCodeAt(i) !== QUOTE) {
      const s = line.indexOf(separator, i);
      if (s === -1) {
        fields.push(line.slice(i));
        return fields;
      }
      fields.push(line.slice(i, s));
      i = s + separator.length;
      continue;
    }
    let value = "";
    let from = i + 1;
    for (;;) {
      const q = line.indexOf('"', from);
      if (q === -1) return undefined;
      if (line.charCodeAt(q + 1) === QUOTE) {
        value += line.slice(from, q + 1);
        from = q + 2;
        continue;
      }
      value += line.slice(from, q);
      i = q + 1;
      break;
    }
    fields.push(value);
    if (i === line.length) return fields;
    if (!line.startsWith(separator, i)) return undefined;
    i += separator.length;
  }
}

/** Where the record numbered `index` (from 0) of `buf` starts: just past the index-th terminator. */
function lineStart(buf: Buffer, index: number, endByte: number): number {
  let at = 0;
  for (let k = 0; k < index; k++) at = buf.indexOf(endByte, at) + 1;
  return at;
}

/**
 * A record this close to MAX_RECORD_BYTES goes to csv-parse's splitter, which drops it if it is over, as
 * ever (its count of a record's bytes takes in a CR terminator: a margin, so the two never disagree).
 */
const NEARLY_TOO_LARGE = MAX_RECORD_BYTES - 2;

/** Where the first record before `to` that is nearly too large starts (-1: none). */
function firstNearlyTooLarge(buf: Buffer, to: number, endByte: number): number {
  if (to < NEARLY_TOO_LARGE) return -1;
  for (let from = 0; from < to; ) {
    const e = buf.indexOf(endByte, from);
    const end = e === -1 || e > to ? to : e;
    if (end - from >= NEARLY_TOO_LARGE) return from;
    from = end + 1;
  }
  return -1;
}

/** The first CR or LF before `to` that does not belong to a terminator `t` (-1: none). */
function firstStrayLineEnd(buf: Buffer, to: number, t: Terminator): number {
  if (t === "\n") {
    const cr = buf.indexOf(CR);
    return cr !== -1 && cr < to ? cr : -1;
  }
  if (t === "\r") {
    const lf = buf.indexOf(LF);
    return lf !== -1 && lf < to ? lf : -1;
  }
  // The earlier of the two: every LF before the answer must be a terminator's, as the record's start is found
  // from the last LF before it (a stray LF before a stray CR once made that start fall inside a record, whose
  // first part was then read by no one: a row lost).
  let cr = -1;
  for (let i = buf.indexOf(CR); i !== -1 && i < to; i = buf.indexOf(CR, i + 2)) {
    if (buf[i + 1] !== LF) {
      cr = i;
      break;
    }
  }
  const before = cr === -1 ? to : cr;
  for (let i = buf.indexOf(LF); i !== -1 && i < before; i = buf.indexOf(LF, i + 1)) if (buf[i - 1] !== CR) return i;
  return cr;
}

/** Where the record holding byte `at` starts: just past the terminator before it. */
function recordStartBefore(buf: Buffer, at: number, endByte: number): number {
  return at === 0 ? 0 : buf.lastIndexOf(endByte, at - 1) + 1;
}
