import type { CheckedRow } from "../domain/queuedRow.js";
import type { SourceRecord } from "../input/SourceRecord.js";
import { ContactChain } from "./ContactChain.js";
import type { Checked, RowChecker } from "./RowChecker.js";

/** Rows held back at most, all contacts together: past it the oldest contact's rows go on where they are. */
const MAX_HELD_ROWS = 100_000;
/**
 * An input read once when the first pass kept it all: at most as many rows as may be held anyway, and this
 * many bytes of file (a wide export's rows cost more). Past either, it is read a second time, as before.
 */
const MAX_KEPT_BYTES = 32 * 1024 * 1024;

/** A record as the first pass checked it, kept for the second when the whole input fits. */
export interface CheckedRecord {
  readonly line: number;
  readonly check: Checked;
}

interface Held {
  readonly row: CheckedRow;
  readonly prev: number;
}

/**
 * Puts all the rows of a contact into one chunk: the chunk of its last line. Why: a job that sends only
 * what changed compares a contact's rows folded in file order (what they leave on it) with what the job
 * left on it last night. A contact whose rows fell into two chunks could not be compared (the first chunk
 * does not know the later rows), so an identical export re-sent those contacts every night and briefly
 * wrote the older value back. A first pass over the input finds each contact's last line; the producer
 * holds a contact's earlier rows until it reaches that line, then queues them together, in file order.
 *
 * Deterministic (the same file gives the same chunks), so a producer that goes on after a crash rebuilds
 * the chunks it had queued and skips them by index. Held rows are bounded: past MAX_HELD_ROWS the oldest
 * contact's rows are queued where they are (that contact is then sent as before: right, not folded).
 */
export class ContactsTogether {
  private readonly held = new Map<string, Held[]>();
  private heldRows = 0;

  /**
   * @param repeats whether the first pass met a contact on two valid lines: most exports name each contact
   * once, and then every row is its contact's last and is placed as it comes, without a look-up (a 1M-row
   * night spent ~0.6 s in them).
   */
  private constructor(
    private readonly lastLines: ContactChain,
    private readonly repeats: boolean,
  ) {}

  /**
   * The first pass: reads the input's records to their end for each contact's last valid line. A small input
   * (a night's export, usually) is kept as checked (`kept`): the second pass takes its records from there, not
   * from the file again (reading and checking were most of an unchanged night's first second). `bytesRead`:
   * the file's bytes read so far.
   */
  static async read(
    records: AsyncIterable<SourceRecord>,
    checker: RowChecker,
    bytesRead: () => number,
    keep: { readonly rows: number; readonly bytes: number } = { rows: MAX_HELD_ROWS, bytes: MAX_KEPT_BYTES },
  ): Promise<{ together: ContactsTogether; kept: CheckedRecord[] | undefined }> {
    const last = new ContactChain();
    let kept: CheckedRecord[] | undefined = [];
    let repeats = false;
    for await (const rec of records) {
      const check = checker.check(rec);
      if (check.ok && last.previous(check.row.instanceId, check.row.contactId, rec.line) !== 0) repeats = true;
      if (!kept) continue;
      if (kept.length < keep.rows && bytesRead() <= keep.bytes) kept.push({ line: rec.line, check });
      else kept = undefined;
    }
    return { together: new ContactsTogether(last, repeats), kept };
  }

  /**
   * The rows to queue now for this row, in file order: none while the contact has later lines (held),
   * the contact's held rows and this one at its last line, and any contact released to keep the bound.
   */
  place(row: CheckedRow, prev: number): Held[] {
    // A second read of an input that changed since the first may repeat a contact: its rows then go on where
    // they are, chained by `prev` (sent in file order, not folded), as rows past the bound do.
    if (!this.repeats) return [{ row, prev }];
    const key = `${row.instanceId}\u0000${row.contactId}`;
    const held = this.held.get(key);
    if (this.lastLines.lastLine(row.instanceId, row.contactId) === row.line) {
      if (!held) return [{ row, prev }];
      this.held.delete(key);
      this.heldRows -= held.length;
      held.push({ row, prev });
      return held;
    }
    if (held) held.push({ row, prev });
    else this.held.set(key, [{ row, prev }]);
    this.heldRows++;
    if (this.heldRows <= MAX_HELD_ROWS) return [];
    // The contact held longest (Map keeps insertion order) goes on where it is.
    const [oldest, rows] = this.held.entries().next().value as [string, Held[]];
    this.held.delete(oldest);
    this.heldRows -= rows.length;
    return rows;
  }

  /** Rows still held (the input ended early, or the run was cancelled while it was read), in file order. */
  rest(): Held[] {
    const out = [...this.held.values()].flat().sort((a, b) => a.row.line - b.row.line);
    this.held.clear();
    this.heldRows = 0;
    return out;
  }
}
