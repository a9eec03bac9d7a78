import { eachLine } from "./spoolLines.js";

const TAB = 0x09;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;

/**
 * Each outcome of a spool, in file order, read from its bytes (no string per line): its line number, the
 * offset of the spool line that holds it and, for a row of a group (domain/groupCodec.ts), where the JSON text
 * of its contact id starts in that line and how long it is (0: an outcome of its own).
 */
export class SpoolIndex {
  lines = new Float64Array(1024);
  offsets = new Float64Array(1024);
  memberAt = new Uint32Array(1024);
  memberLength = new Uint32Array(1024);
  n = 0;

  private add(line: number, offset: number, at: number, length: number): void {
    if (this.n === this.lines.length) this.grow();
    this.lines[this.n] = line;
    this.offsets[this.n] = offset;
    this.memberAt[this.n] = at;
    this.memberLength[this.n] = length;
    this.n++;
  }

  private grow(): void {
    const size = this.n * 2;
    this.lines = grown(this.lines, new Float64Array(size));
    this.offsets = grown(this.offsets, new Float64Array(size));
    this.memberAt = grown(this.memberAt, new Uint32Array(size));
    this.memberLength = grown(this.memberLength, new Uint32Array(size));
  }

  static of(fd: number, size: number): SpoolIndex {
    const index = new SpoolIndex();
    const groupLines: number[] = [];
    for (const [buf, from, to, offset] of eachLine(fd, size)) {
      // "<id>\t<text>": an outcome's text is "[<line>,..."; a group's "{...}\t[<lines>]\t[<contact ids>]".
      let at = buf.indexOf(TAB, from) + 1;
      if (buf[at] !== OPEN_BRACE) {
        index.add(numberAt(buf, at + 1, to).value, offset, 0, 0);
        continue;
      }
      at = buf.indexOf(TAB, at) + 2; // past "\t["
      groupLines.length = 0;
      for (let more = buf[at] !== CLOSE_BRACKET; more; ) {
        const { value, end } = numberAt(buf, at, to);
        groupLines.push(value);
        more = buf[end] === COMMA;
        at = end;
        if (more) at++;
      }
      at += 3; // past "]\t["
      for (const line of groupLines) {
        // A JSON string: a quote, then up to the first quote not escaped (UTF-8 never puts these bytes inside a character).
        const start = at;
        for (at++; at < to && buf[at] !== QUOTE; at++) if (buf[at] === BACKSLASH) at++;
        if (buf[start] !== QUOTE || at >= to) throw new Error(`outcome spool: the group at byte ${offset} is not whole`);
        index.add(line, offset, start - from, at + 1 - start);
        at += 2; // past the quote and "," or "]"
      }
    }
    return index;
  }
}

/** Digits from `at`: the number and where they end. */
function numberAt(buf: Buffer, at: number, to: number): { value: number; end: number } {
  let value = 0;
  for (let c = buf[at] as number; at < to && c >= 0x30 && c <= 0x39; c = buf[++at] as number) value = value * 10 + (c - 0x30);
  return { value, end: at };
}

/** `to`, holding `from` at its start. */
function grown<T extends Float64Array | Uint32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
