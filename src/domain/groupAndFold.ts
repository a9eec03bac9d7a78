import { emptyFields, type Fields, type Operation } from "../operations/Operation.js";

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
/** What grouping needs of a row: its line and the previous line of its contact (0: none). */
export interface Chained {
  readonly line: number;
  readonly prev: number;
}

export interface RowGroup<R extends Chained = Chained> {
  readonly rows: R[];
  /** A line in another chunk that must be finished first; 0 for none. */
  readonly after: number;
}

/** Pure. Rows come in line order (the producer and `retry` both queue them so). */
export function groupRows<R extends Chained>(rows: readonly R[]): Array<RowGroup<R>> {
  // No row names a predecessor (each contact once, as most exports are): a group a row, no look-up by line.
  if (rows.every((r) => r.prev === 0)) return rows.map((row) => ({ rows: [row], after: 0 }));
  const groups: Array<{ rows: R[]; after: number }> = [];
  const groupOfLine = new Map<number, { rows: R[]; after: number }>();
  for (const row of rows) {
    const prev = row.prev;
    let g = prev === 0 ? undefined : groupOfLine.get(prev);
    if (!g) {
      g = { rows: [], after: prev };
      groups.push(g);
    }
    g.rows.push(row);
    groupOfLine.set(row.line, g);
  }
  return groups;
}

/** A row ready to send: its contact and the fields it sends. */
export interface Sendable {
  readonly line: number;
  readonly instanceId: string;
  readonly contactId: string;
  readonly fields: Fields;
  /** A condition on what the contact holds (a rollback's): such a row is never folded with others. */
  readonly ifCurrent?: unknown;
}

/** One API call: the rows it carries (file order) and their fields merged, the later line winning. */
export interface PlannedCall<T extends Sendable> {
  readonly rows: T[];
  readonly fields: Fields;
}

/** What the fold needs of the operation: the call's budget, or its limits. */
export type FoldRules = Pick<Operation, "callBudget" | "validate">;

/**
 * Folds consecutive rows of one contact into as few calls as possible. Both
 * operations merge (fields a call does not name are kept), so one call carrying
 * the rows merged in file order leaves the contact exactly as the rows sent one
 * by one would: fewer calls, less quota. A call is closed when the merge would
 * pass the operation's limits (sent one by one, an earlier row could still have
 * passed) or when the contact changes (two contacts sharing a hash in the
 * producer's table: kept apart here, merely kept in order).
 */
export function foldCalls<T extends Sendable>(rows: readonly T[], rules: FoldRules): Array<PlannedCall<T>> {
  // A row with a condition on what the contact holds (`ifCurrent`) is judged against the contact as it is
  // before that row alone: folded, an earlier row's values or its own failure would decide for the others.
  if (rows.some((r) => r.ifCurrent !== undefined)) {
    const calls: Array<PlannedCall<T>> = [];
    let run: T[] = [];
    const flush = () => {
      if (run.length > 0) calls.push(...foldCalls(run, rules));
      run = [];
    };
    for (const row of rows) {
      if (row.ifCurrent === undefined) run.push(row);
      else {
        flush();
        calls.push({ rows: [row], fields: row.fields });
      }
    }
    flush();
    return calls;
  }
  // Most rows are their contact's only row: nothing to fold, nothing to count.
  if (rows.length === 1) return [{ rows: [rows[0] as T], fields: (rows[0] as T).fields }];
  const budget = rules.callBudget;
  const calls: Array<{ rows: T[]; fields: Fields; costs: Map<string, number>; total: number }> = [];
  let cur: (typeof calls)[number] | undefined;
  for (const row of rows) {
    if (cur) {
      const first = cur.rows[0] as T;
      let fits: boolean;
      if (budget) {
        // Linear: each field's cost counted once, a field named again replacing its old cost.
        let total = cur.total;
        for (const [k, v] of Object.entries(row.fields)) total += budget.cost(k, v) - (cur.costs.get(k) ?? 0);
        fits = total <= budget.limit;
      } else fits = rules.validate(Object.assign(emptyFields(), cur.fields, row.fields)).ok;
      if (first.contactId !== row.contactId || first.instanceId !== row.instanceId || !fits) cur = undefined;
    }
    if (!cur) {
      cur = { rows: [], fields: emptyFields(), costs: new Map(), total: 0 };
      calls.push(cur);
    }
    cur.rows.push(row);
    for (const [k, v] of Object.entries(row.fields)) {
      if (budget) {
        const c = budget.cost(k, v);
        cur.total += c - (cur.costs.get(k) ?? 0);
        cur.costs.set(k, c);
      }
      cur.fields[k] = v;
    }
  }
  return calls.map(({ rows: r, fields }) => ({ rows: r, fields }));
}
