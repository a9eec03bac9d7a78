import { toExactJson } from "../lib/exactJson.js";
import type { ContactRow } from "../operations/ContactRow.js";
import { emptyFields, type Fields } from "../operations/Operation.js";

/**
 * A row as the producer checked it and queued it: positional, so a chunk of
 * rows costs about what the file's cells cost, and a worker never reads or
 * checks a record again (the producer is the one place that validates).
 *
 * `values[i]` is the value of the chunk's `names[i]` (null: the row does not set
 * it), or, for a row that names its fields in another order than the chunk met
 * them, an object (values are sent in the row's own order); `instanceId` is the instance as the row gave it ("": the run's default);
 * `start` is epoch ms or null; `prev` the previous line of the same contact (0:
 * none); `omit` (retry runs) names fields a later line of the contact applied;
 * `context` keeps what is needed to give the record back exactly as it was read
 * (for failures.csv and `retry`): see `originalOf`.
 */
export type QueuedRow = [
  line: number,
  contactId: string,
  instanceId: string,
  start: number | null,
  values: unknown[] | Record<string, unknown>,
  prev?: number,
  omit?: Array<[key: string, line: number]> | null,
  ifCurrent?: Readonly<Record<string, string | null>> | null,
  context?: RowContext | null,
];

/**
 * CSV: the cells whose text the row's checked values do not give back (the
 * start as written, `#` columns, trimmed or transformed cells), by column.
 * JSONL: the start as written, and the whole object where the operation's
 * fields are not the object's `attributes`.
 */
export type RowContext = Array<[column: number, text: string]> | { readonly start?: string; readonly object?: Record<string, unknown> };

/**
 * A job carries a few hundred rows instead of one: one job per row costs ~740 bytes
 * of Redis and ~16k rows/s to enqueue (shared/reference/bullmq-v6.md); a chunk
 * costs about the size of its rows. Field names are said once per chunk.
 */
export interface ChunkJobData {
  readonly runId: string;
  readonly index: number;
  readonly names: string[];
  readonly rows: QueuedRow[];
}

/** Builds a chunk's rows, naming each field once. */
export class ChunkRows {
  private names: string[] = [];
  private index = new Map<string, number>();
  private rows: QueuedRow[] = [];
  private unordered = false;

  get length(): number {
    return this.rows.length;
  }

  add(row: CheckedRow, prev: number, omit?: Array<[string, number]>): void {
    let values: unknown[] | Record<string, unknown> = [];
    let last = -1;
    for (const name of Object.keys(row.fields)) {
      let i = this.index.get(name);
      if (i === undefined) {
        i = this.names.length;
        this.names.push(name);
        this.index.set(name, i);
      }
      if (i < last) {
        values = row.fields;
        break;
      }
      last = i;
      while (values.length < i) values.push(null);
      values[i] = row.fields[name];
    }
    // Up to the last member that says something (a row of most files ends at its values or its predecessor).
    const omitted = omit && omit.length > 0 ? omit : null;
    const ifCurrent = row.ifCurrent ?? null;
    const context = exactContext(row.context);
    const start = row.initiationTimestamp ?? null;
    const q: QueuedRow =
      context !== null
        ? [row.line, row.contactId, row.givenInstanceId, start, values, prev, omitted, ifCurrent, context]
        : ifCurrent !== null
          ? [row.line, row.contactId, row.givenInstanceId, start, values, prev, omitted, ifCurrent]
          : omitted !== null
            ? [row.line, row.contactId, row.givenInstanceId, start, values, prev, omitted]
            : prev !== 0
              ? [row.line, row.contactId, row.givenInstanceId, start, values, prev]
              : [row.line, row.contactId, row.givenInstanceId, start, values];
    const before = this.rows[this.rows.length - 1];
    if (before && before[0] > row.line) this.unordered = true;
    this.rows.push(q);
  }

  /** The rows so far and their names; the builder starts again empty. */
  take(): { names: string[]; rows: QueuedRow[] } {
    // In line order, as workers group them: rows held back to join their contact's chunk come in late.
    if (this.unordered) this.rows.sort((a, b) => a[0] - b[0]);
    this.unordered = false;
    const out = { names: this.names, rows: this.rows };
    this.names = [];
    this.index = new Map();
    this.rows = [];
    return out;
  }
}

/** A row's context as a queued chunk carries it: a JSONL record's numbers keep their text through the queue's JSON (lib/exactJson.ts). */
function exactContext(context: RowContext | undefined): RowContext | null {
  if (!context || Array.isArray(context) || !context.object) return context ?? null;
  const object = toExactJson(context.object) as Record<string, unknown>;
  return object === context.object ? context : { ...context, object };
}

/** A checked row with what queuing it needs beside the row itself. */
export interface CheckedRow extends ContactRow {
  /** The instance as the row gave it ("" when it took the run's default). */
  readonly givenInstanceId: string;
  readonly context?: RowContext | undefined;
}

/** The row a queued row stands for, with the run's default instance filled in. Pure, no check: the producer checked it. */
export function contactRowOf(q: QueuedRow, names: readonly string[], defaultInstanceId: string | undefined): ContactRow {
  const ifCurrent = q[7] ?? undefined;
  return {
    line: q[0],
    contactId: q[1],
    instanceId: q[2] || (defaultInstanceId ?? ""),
    initiationTimestamp: q[3] ?? undefined,
    fields: fieldsOf(q, names),
    ...(ifCurrent ? { ifCurrent } : {}),
  };
}

/** A queued row's fields by name (null-prototype: "__proto__" is a legal name). */
export function fieldsOf(q: QueuedRow, names: readonly string[]): Fields {
  const fields = emptyFields();
  const values = q[4];
  if (Array.isArray(values)) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v !== null && v !== undefined) fields[names[i] as string] = v;
    }
  } else for (const [k, v] of Object.entries(values)) fields[k] = v;
  return fields;
}

export const prevOf = (q: QueuedRow): number => q[5] ?? 0;
export const omitOf = (q: QueuedRow): Array<[string, number]> | undefined => q[6] ?? undefined;
