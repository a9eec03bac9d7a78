import type { ChunkRow } from "../queue/ChunkJob.js";

/**
 * The rows of one contact inside a chunk, in file order, and the line in an
 * earlier chunk that must have its outcome before any of them is sent.
 *
 * Why: a CRM export often holds one contact several times, and the contact must
 * end holding its rows applied in file order. The producer gives every row the
 * previous line of its contact (`prev`); a row whose predecessor is in the same
 * chunk joins its group (sent in order, folded into one call where possible); a
 * group whose first predecessor is in another chunk waits until that line has
 * an outcome, whichever worker has it. Rows of different contacts never wait.
 */
export interface RowGroup {
  readonly rows: ChunkRow[];
  /** A line in another chunk that must be finished first; 0 for none. */
  readonly after: number;
}

/** Pure. Rows come in line order (the producer and `retry` both queue them so). */
export function groupRows(rows: readonly ChunkRow[]): RowGroup[] {
  const groups: Array<{ rows: ChunkRow[]; after: number }> = [];
  const groupOfLine = new Map<number, { rows: ChunkRow[]; after: number }>();
  for (const row of rows) {
    const prev = row[2] ?? 0;
    let g = prev === 0 ? undefined : groupOfLine.get(prev);
    if (!g) {
      g = { rows: [], after: prev };
      groups.push(g);
    }
    g.rows.push(row);
    groupOfLine.set(row[0], g);
  }
  return groups;
}

/** A row ready to send: its contact and the attributes it sends. */
export interface Sendable {
  readonly line: number;
  readonly instanceId: string;
  readonly contactId: string;
  readonly attributes: Record<string, string>;
}

/** One API call: the rows it carries (file order) and their attributes merged, the later line winning. */
export interface PlannedCall<T extends Sendable> {
  readonly rows: T[];
  readonly attributes: Record<string, string>;
}

/** The service's documented limit on a contact's attributes in all, in UTF-8 bytes. */
export const MAX_CALL_BYTES = 32_768;

/**
 * Folds consecutive rows of one contact into as few calls as possible.
 * UpdateContactAttributes merges (keys not sent are kept), so one call carrying
 * the rows merged in file order leaves the contact exactly as the rows sent one
 * by one would: fewer calls, less quota. A call is closed when the merge would
 * pass the size limit (sent one by one, an earlier row could still have passed)
 * or when the contact changes (two contacts sharing a hash in the producer's
 * table: kept apart here, merely kept in order).
 */
export function foldCalls<T extends Sendable>(rows: readonly T[], maxBytes = MAX_CALL_BYTES): Array<PlannedCall<T>> {
  // Most rows are their contact's only row: nothing to fold, nothing to count.
  if (rows.length === 1) return [{ rows: [rows[0] as T], attributes: (rows[0] as T).attributes }];
  const calls: Array<{ rows: T[]; attributes: Record<string, string>; bytes: Map<string, number>; total: number }> = [];
  let cur: (typeof calls)[number] | undefined;
  for (const row of rows) {
    if (cur) {
      const first = cur.rows[0] as T;
      let total = cur.total;
      for (const [k, v] of Object.entries(row.attributes)) total += bytesOf(k, v) - (cur.bytes.get(k) ?? 0);
      if (first.contactId !== row.contactId || first.instanceId !== row.instanceId || total > maxBytes) cur = undefined;
    }
    if (!cur) {
      cur = { rows: [], attributes: Object.create(null) as Record<string, string>, bytes: new Map(), total: 0 };
      calls.push(cur);
    }
    cur.rows.push(row);
    for (const [k, v] of Object.entries(row.attributes)) {
      const b = bytesOf(k, v);
      cur.total += b - (cur.bytes.get(k) ?? 0);
      cur.bytes.set(k, b);
      cur.attributes[k] = v;
    }
  }
  return calls.map(({ rows: r, attributes }) => ({ rows: r, attributes }));
}

function bytesOf(key: string, value: string): number {
  return Buffer.byteLength(key, "utf8") + Buffer.byteLength(value, "utf8");
}
