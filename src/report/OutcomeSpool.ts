import { closeSync, fsyncSync, ftruncateSync, openSync, readSync, statSync, writeSync } from "node:fs";
import { ensureDir } from "./ensureDir.js";
import { dirname } from "node:path";
import { type GroupShared, memberOf, outcomesIn, sharedOf } from "../domain/groupCodec.js";
import { decodeOutcome } from "../domain/outcomeCodec.js";
import { SpoolIndex } from "./spoolIndex.js";
import { BlockReader, eachLine } from "./spoolLines.js";
import type { Outcome } from "../domain/Outcome.js";

/** What leaves Redis in one stream entry: its id and its text, one outcome's or a group's (domain/groupCodec.ts). */
export interface SpoolEntry {
  readonly id: string;
  readonly encoded: string;
}

const NL = 0x0a;
const TAB = 0x09;

/**
 * Where the spool's whole outcomes end, and the stream id of the last: a torn last line (SIGKILL mid-write) is
 * cut off. A group of outcomes is one line (domain/groupCodec.ts), whole or torn; the release before wrote a
 * group as a line per row, its entry's id on the last only: lines without an id after the last with one are
 * cut off too (that group is written again whole).
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
 * file of `<stream id>\t<outcome or group>` lines. Each line carries the id of the Redis
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
   * Reads the file twice and keeps only each outcome's place in memory (spoolIndex.ts). A spool in line order is
   * read straight through the second time; one whose lines (an outcome, or a group in order) only came in
   * another order, a line at a time in order (an unchanged night's, usually); otherwise each outcome is read at
   * its place.
   */
  inLineOrder(): { outcomes: () => Generator<Outcome>; duplicates: number; count: number } {
    const index = SpoolIndex.of(this.fd, this.size);
    const { lines, n } = index;
    let ordered = true;
    for (let i = 1; i < n && ordered; i++) ordered = (lines[i] as number) > (lines[i - 1] as number);
    const fd = this.fd;
    const size = this.size;
    // The generators are made apart from here: one made here would keep the index alive (24 bytes an outcome).
    if (ordered) return { outcomes: straight(fd, size), duplicates: 0, count: n };
    const entries = entriesInOrder(index);
    if (entries) return { outcomes: byEntry(fd, entries), duplicates: 0, count: n };
    // By line, then by place in the file: the first outcome of a line comes first and is the one kept.
    const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => (lines[a] as number) - (lines[b] as number) || a - b);
    const picked: number[] = [];
    let prev = Number.NaN;
    for (const i of order) {
      if (lines[i] === prev) continue;
      prev = lines[i] as number;
      picked.push(i);
    }
    return { outcomes: byPlace(fd, index, picked), duplicates: n - picked.length, count: picked.length };
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

/** What the rows of each group share, read once a group; forgotten in bulk past a bound (a run may hold millions of small groups). */
class GroupsRead {
  private readonly shared = new Map<number, GroupShared>();
  constructor(private readonly reader: BlockReader) {}

  sharedAt(offset: number): GroupShared {
    let s = this.shared.get(offset);
    if (s) return s;
    if (this.shared.size >= 10_000) this.shared.clear();
    s = sharedOf(textAt(this.reader, offset));
    this.shared.set(offset, s);
    return s;
  }
}

/** The text of the spool line at `offset`, after its stream id. */
function textAt(reader: BlockReader, offset: number): string {
  const line = reader.lineAt(offset);
  return line.slice(line.indexOf("\t") + 1);
}

/** A spool in line order, read straight through. */
function straight(fd: number, size: number): () => Generator<Outcome> {
  return function* () {
    for (const [buf, from, to] of eachLine(fd, size)) yield* outcomesIn(buf.toString("utf8", buf.indexOf(TAB, from) + 1, to));
  };
}

/**
 * The spool's lines (an outcome each, or a group) by their first line, when each holds its rows in line order and
 * no two overlap: the usual disorder (chunks settled at once finish in any order), read a line at a time rather
 * than a row at a time. Undefined otherwise (a contact's rows gathered from far apart, a line twice).
 */
function entriesInOrder(index: SpoolIndex): number[] | undefined {
  const { lines, offsets, n } = index;
  // Rows of one spool line share its offset and come one after the other.
  const starts: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i > 0 && offsets[i] === offsets[i - 1]) {
      if ((lines[i] as number) <= (lines[i - 1] as number)) return undefined;
    } else starts.push(i);
  }
  const first = (k: number) => lines[starts[k] as number] as number;
  const last = (k: number) => lines[(k + 1 < starts.length ? (starts[k + 1] as number) : n) - 1] as number;
  const order = starts.map((_, k) => k).sort((a, b) => first(a) - first(b));
  for (let j = 1; j < order.length; j++) if (last(order[j - 1] as number) >= first(order[j] as number)) return undefined;
  return order.map((k) => offsets[starts[k] as number] as number);
}

/** The spool's lines at `offsets`, in that order. */
function byEntry(fd: number, offsets: readonly number[]): () => Generator<Outcome> {
  return function* () {
    const reader = new BlockReader(fd);
    for (const offset of offsets) yield* outcomesIn(textAt(reader, offset));
  };
}

/** The `picked` outcomes of the index, each read at its place: a group's row as its contact id alone and what its group shares. */
function byPlace(fd: number, index: SpoolIndex, picked: readonly number[]): () => Generator<Outcome> {
  return function* () {
    const reader = new BlockReader(fd);
    const groups = new GroupsRead(reader);
    for (const i of picked) {
      const offset = index.offsets[i] as number;
      const length = index.memberLength[i] as number;
      if (length === 0) {
        yield decodeOutcome(textAt(reader, offset));
        continue;
      }
      const contactId = JSON.parse(reader.textAt(offset + (index.memberAt[i] as number), length)) as string;
      yield memberOf(groups.sharedAt(offset), index.lines[i] as number, contactId);
    }
  };
}
