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
    let size = statSync(path).size;
    // Find the last complete line; anything after it is a torn write.
    let last = "0-0";
    if (size > 0) {
      const tail = Buffer.alloc(Math.min(size, 1 << 20));
      readSync(fd, tail, 0, tail.length, size - tail.length);
      const end = tail.lastIndexOf(NL);
      if (end !== tail.length - 1) {
        const keep = end === -1 ? size - tail.length : size - tail.length + end + 1;
        ftruncateSync(fd, keep);
        size = keep;
      }
      if (end !== -1) {
        const start = tail.lastIndexOf(NL, end - 1) + 1;
        const line = tail.subarray(start, end).toString("utf8");
        last = line.slice(0, line.indexOf("\t"));
      }
    }
    return new OutcomeSpool(path, fd, size, last, onClose);
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
   * Every outcome held, in line order, the first one of a line only (Redis can
   * lose its last second of writes on a crash, and a row then runs again).
   * Reads the file twice and keeps only an offset per line in memory.
   */
  inLineOrder(): { outcomes: () => Generator<Outcome>; duplicates: number; count: number } {
    const offsets = new Map<number, number>();
    let duplicates = 0;
    for (const { line, offset } of this.scan()) {
      if (offsets.has(line)) duplicates++;
      else offsets.set(line, offset);
    }
    // A typed array sorted by line is far smaller than sorting decoded outcomes.
    const lines = Float64Array.from(offsets.keys()).sort();
    const fd = this.fd;
    const outcomes = function* (): Generator<Outcome> {
      const reader = new BlockReader(fd);
      for (const line of lines) yield decodeOutcome(reader.lineAt(offsets.get(line) as number).split("\t", 2)[1] as string);
    };
    return { outcomes, duplicates, count: offsets.size };
  }

  private *scan(): Generator<{ line: number; offset: number }> {
    const reader = new BlockReader(this.fd);
    let offset = 0;
    while (offset < this.size) {
      const text = reader.lineAt(offset);
      const tab = text.indexOf("\t");
      // The line number is the first member of the encoded array: "[123,..."
      const line = Number.parseInt(text.slice(tab + 2, text.indexOf(",", tab)), 10);
      yield { line, offset };
      offset += Buffer.byteLength(text, "utf8") + 1;
    }
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
