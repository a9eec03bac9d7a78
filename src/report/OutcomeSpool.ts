import { closeSync, fsyncSync, ftruncateSync, openSync, readSync, statSync, writeSync } from "node:fs";
import { ensureDir } from "./ensureDir.js";
import { dirname } from "node:path";
import { decodeOutcome } from "../domain/outcomeCodec.js";
import type { Outcome } from "../domain/Outcome.js";

/** One outcome as it leaves Redis: the stream entry id and the encoded outcome. */
export interface SpoolEntry {
  readonly id: string;
  readonly encoded: string;
}

const NL = 0x0a;
const TAB = 0x09;

/**
 * Where the spool's whole outcomes end, and the stream id of the last: a torn last line (SIGKILL mid-write) is
 * cut off, and so are the lines of an entry whose last line (the one with its id) never landed: a group of
 * outcomes (store/outcomeGroups.ts) carries its entry's id on its last line only, and is written again whole.
 */
function lastWhole(fd: number, size: number): { keep: number; last: string } {
  for (let span = Math.min(size, 1 << 20); span > 0; span = Math.min(size, span * 4)) {
    const tail = Buffer.alloc(span);
    readSync(fd, tail, 0, span, size - span);
    // A line starts after a newline (or at the file's start); one with an id starts with something else than a tab.
    for (let end = tail.lastIndexOf(NL); end > 0; ) {
      const start = tail.lastIndexOf(NL, end - 1) + 1;
      // The line may begin before the tail: read more of the file.
      if (start === 0 && span < size) break;
      if (tail[start] !== TAB) return { keep: size - span + end + 1, last: tail.toString("utf8", start, tail.indexOf(TAB, start)) };
      end = start - 1;
    }
    if (span === size) break;
  }
  return { keep: 0, last: "0-0" };
}

/**
 * The durable home of a run's outcomes once they leave Redis: an append-only
 * file of `<stream id>\t<outcome>` lines. Each line carries the id of the Redis
 * stream entry it came from, so after a crash (SIGKILL mid-write included) the
 * writer cuts off a torn last line and goes on after the last id it holds:
 * nothing is written twice and nothing is skipped.
 */
export class OutcomeSpool {
  private fd: number;
  private size: number;
  private last: string;
  private onClose: (() => void) | undefined;
  private closed = false;

  private constructor(
    readonly path: string,
    fd: number,
    size: number,
    last: string,
    onClose: (() => void) | undefined,
  ) {
    this.onClose = onClose;
    this.fd = fd;
    this.size = size;
    this.last = last;
  }

  /** `onClose`: run once the file is closed (the report folder's lock). */
  static async open(path: string, onClose?: () => void): Promise<OutcomeSpool> {
    await ensureDir(dirname(path));
    const fd = openSync(path, "a+", 0o600);
    const { keep, last } = lastWhole(fd, statSync(path).size);
    ftruncateSync(fd, keep);
    return new OutcomeSpool(path, fd, keep, last, onClose);
  }

  /** Stream id of the last outcome held; the drain goes on after it. */
  get lastId(): string {
    return this.last;
  }

  /** Appends and syncs: only after this may the entries leave Redis. */
  append(entries: readonly SpoolEntry[]): void {
    if (entries.length === 0) return;
    const buf = Buffer.from(entries.map((e) => `${e.id}\t${e.encoded}\n`).join(""), "utf8");
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off, this.size + off);
    fsyncSync(this.fd);
    this.size += buf.length;
    this.last = (entries.at(-1) as SpoolEntry).id;
  }

  /**
   * Outcomes that were never in Redis (a dry run writes its own here): each line carries the id of the last
   * entry moved from Redis, so a drain still goes on after it. Not synced: `sync` once they are all written
   * (a dry run cut short is cancelled, never resumed, so nothing goes on from a torn tail).
   */
  appendOwn(encoded: readonly string[]): void {
    if (encoded.length === 0) return;
    const prefix = `${this.last}\t`;
    let text = "";
    for (const e of encoded) text += `${prefix}${e}\n`;
    const buf = Buffer.from(text, "utf8");
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off, this.size + off);
    this.size += buf.length;
  }

  /** What appendOwn wrote, on disk. */
  sync(): void {
    fsyncSync(this.fd);
  }

  /**
   * Every outcome held, in line order, the first one of a line only (Redis can
   * lose its last second of writes on a crash, and a row then runs again).
   * Reads the file twice and keeps only a line number and an offset per outcome
   * in memory. A spool already in line order (the common case) is read straight
   * through the second time.
   */
  inLineOrder(): { outcomes: () => Generator<Outcome>; duplicates: number; count: number } {
    const { lines, offsets, n } = this.index();
    let ordered = true;
    for (let i = 1; i < n && ordered; i++) ordered = (lines[i] as number) > (lines[i - 1] as number);
    const fd = this.fd;
    const size = this.size;
    if (ordered) {
      const outcomes = function* (): Generator<Outcome> {
        for (const [buf, from, to] of eachLine(fd, size)) yield decodeOutcome(buf.toString("utf8", buf.indexOf(TAB, from) + 1, to));
      };
      return { outcomes, duplicates: 0, count: n };
    }
    // By line, then by place in the file: the first outcome of a line comes first and is the one kept.
    const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => (lines[a] as number) - (lines[b] as number) || a - b);
    const picked: number[] = [];
    let prev = Number.NaN;
    for (const i of order) {
      if (lines[i] === prev) continue;
      prev = lines[i] as number;
      picked.push(offsets[i] as number);
    }
    const outcomes = function* (): Generator<Outcome> {
      const reader = new BlockReader(fd);
      for (const offset of picked) {
        const text = reader.lineAt(offset);
        yield decodeOutcome(text.slice(text.indexOf("\t") + 1));
      }
    };
    return { outcomes, duplicates: n - picked.length, count: picked.length };
  }

  /** Each outcome's line number and byte offset, in file order, read from the bytes (no string per line). */
  private index(): { lines: Float64Array; offsets: Float64Array; n: number } {
    let lines = new Float64Array(1024);
    let offsets = new Float64Array(1024);
    let n = 0;
    for (const [buf, from, to, offset] of eachLine(this.fd, this.size)) {
      // The line number is the first member of the encoded array: "<id>\t[123,..."
      let at = buf.indexOf(TAB, from) + 2;
      let line = 0;
      for (let c = buf[at] as number; at < to && c >= 0x30 && c <= 0x39; c = buf[++at] as number) line = line * 10 + (c - 0x30);
      if (n === lines.length) {
        const grownLines = new Float64Array(n * 2);
        grownLines.set(lines);
        lines = grownLines;
        const grownOffsets = new Float64Array(n * 2);
        grownOffsets.set(offsets);
        offsets = grownOffsets;
      }
      lines[n] = line;
      offsets[n] = offset;
      n++;
    }
    return { lines, offsets, n };
  }

  /** Idempotent: `retry` lets its parent's spool go early and again at its end. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
    this.onClose?.();
    this.onClose = undefined;
  }
}

/** Reads lines at byte offsets through a 256 KiB window; in-order reads stay sequential. */
class BlockReader {
  private buf = Buffer.alloc(256 * 1024);
  private start = 0;
  private len = 0;
  constructor(private readonly fd: number) {}

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
function* eachLine(fd: number, size: number): Generator<[buf: Buffer, from: number, to: number, offset: number]> {
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
