import type { CheckedRow } from "../domain/queuedRow.js";
import type { Source } from "../input/openSource.js";
import { ContactChain } from "./ContactChain.js";
import type { RowChecker } from "./RowChecker.js";

/** Rows held back at most, all contacts together: past it the oldest contact's rows go on where they are. */
const MAX_HELD_ROWS = 100_000;

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

  private constructor(private readonly lastLines: ContactChain) {}

  /** Reads the input once (its own reader: `open` opens it again) for each contact's last valid line. */
  static async read(open: () => Promise<Source>, checker: RowChecker): Promise<ContactsTogether> {
    const last = new ContactChain();
    const source = await open();
    for await (const rec of source.records) {
      const check = checker.check(rec);
      if (check.ok) last.previous(check.row.instanceId, check.row.contactId, rec.line);
    }
    return new ContactsTogether(last);
  }

  /**
   * The rows to queue now for this row, in file order: none while the contact has later lines (held),
   * the contact's held rows and this one at its last line, and any contact released to keep the bound.
   */
  place(row: CheckedRow, prev: number): Held[] {
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
