import { readSync } from "node:fs";

const NL = 0x0a;

/** Reads lines at byte offsets through a 256 KiB window; in-order reads stay sequential. */
export class BlockReader {
  private buf = Buffer.alloc(256 * 1024);
  private start = 0;
  private len = 0;
  constructor(private readonly fd: number) {}

  /** The text of bytes [offset, offset + length): a group's row's contact id inside the group's line. */
  textAt(offset: number, length: number): string {
    if (offset < this.start || offset + length > this.start + this.len) {
      if (length > this.buf.length) this.buf = Buffer.alloc(length);
      this.start = offset;
      this.len = readSync(this.fd, this.buf, 0, this.buf.length, offset);
      if (this.len < length) throw new Error(`outcome spool ends inside a line at byte ${offset}`);
    }
    return this.buf.toString("utf8", offset - this.start, offset - this.start + length);
  }

  lineAt(offset: number): string {
    for (;;) {
      if (offset >= this.start && offset < this.start + this.len) {
        const from = offset - this.start;
        const nl = this.buf.indexOf(NL, from);
        if (nl !== -1 && nl < this.len) return this.buf.toString("utf8", from, nl);
        if (from === 0 && this.len === this.buf.length) this.buf = Buffer.alloc(this.buf.length * 2); // a line longer than the window
      }
      this.start = offset;
      this.len = readSync(this.fd, this.buf, 0, this.buf.length, offset);
      if (this.len === 0) throw new Error(`outcome spool ends inside a line at byte ${offset}`);
      const nl = this.buf.indexOf(NL);
      if (nl !== -1 && nl < this.len) return this.buf.toString("utf8", 0, nl);
      if (this.len < this.buf.length) throw new Error(`outcome spool ends inside a line at byte ${offset}`);
      this.buf = Buffer.alloc(this.buf.length * 2);
    }
  }
}

/**
 * The complete lines of the first `size` bytes of a spool, read through a 1 MiB window: yields the window,
 * where the line starts and ends in it (its newline excluded) and its offset in the file. The window is
 * reused: a line's bytes are valid only until the next one is asked for.
 */
export function* eachLine(fd: number, size: number): Generator<[buf: Buffer, from: number, to: number, offset: number]> {
  let buf = Buffer.allocUnsafe(1 << 20);
  let base = 0; // offset in the file of buf[0]
  let len = 0; // bytes of buf read from the file
  let from = 0; // where the next line starts in buf
  for (;;) {
    const nl = buf.indexOf(NL, from);
    if (nl !== -1 && nl < len) {
      yield [buf, from, nl, base + from];
      from = nl + 1;
      continue;
    }
    if (base + len >= size) {
      if (from < len) throw new Error(`outcome spool ends inside a line at byte ${base + from}`);
      return;
    }
    // The start of a line is at the end of the window: it moves to the front (the window grows for a line longer than it).
    const rest = len - from;
    if (rest === buf.length) {
      const grown = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(grown, 0, from, len);
      buf = grown;
    } else buf.copy(buf, 0, from, len);
    base += from;
    len = rest;
    from = 0;
    const read = readSync(fd, buf, len, Math.min(buf.length - len, size - base - len), base + len);
    if (read === 0) throw new Error(`outcome spool ends inside a line at byte ${base}`);
    len += read;
  }
}
