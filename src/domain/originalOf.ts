import type { QueuedRow, RowContext } from "./queuedRow.js";

/** The row as it came in, kept only for rows that end up in failures.csv (and read again by `retry`). */
export type OriginalRecord = { readonly fields: readonly string[] } | { readonly object: Record<string, unknown> } | { readonly raw: string };

/**
 * Where a CSV run's cells go: the contact's own columns and each field's column.
 * Plain JSON, kept in the run, so a worker gives back a row's cells without the
 * file's header rules (and without checking the row again).
 */
export interface ColumnPlan {
  readonly width: number;
  readonly contactId: number;
  readonly instanceId?: number | undefined;
  readonly fields: ReadonlyArray<readonly [index: number, name: string]>;
}

/** The cells a checked row gives back by itself, before its context: what the producer compares with the file's. */
export function plainCells(plan: ColumnPlan, contactId: string, givenInstanceId: string, valueNamed: (name: string) => unknown): string[] {
  const cells = new Array<string>(plan.width).fill("");
  cells[plan.contactId] = contactId;
  if (plan.instanceId !== undefined) cells[plan.instanceId] = givenInstanceId;
  for (const [i, name] of plan.fields) {
    const v = valueNamed(name);
    if (typeof v === "string") cells[i] = v;
  }
  return cells;
}

/** What a CSV row's context must keep so that `originalOf` gives back `raw` exactly. */
export function csvContext(plan: ColumnPlan, raw: readonly string[], plain: readonly string[]): RowContext | undefined {
  const out: Array<[number, string]> = [];
  const n = Math.max(plan.width, raw.length);
  for (let i = 0; i < n; i++) {
    const text = raw[i] ?? "";
    if (text !== (plain[i] ?? "")) out.push([i, text]);
  }
  return out.length > 0 ? out : undefined;
}

/**
 * The record a queued row was checked from, as the file gave it: for a CSV run
 * its cells (exactly, with its context), for JSONL an object that reads back to
 * the same row. Only failed rows need it, so it is made only for them.
 */
export function originalOf(q: QueuedRow, names: readonly string[], plan: ColumnPlan | undefined): OriginalRecord {
  const values = q[4];
  const valueNamed = (name: string) => {
    if (!Array.isArray(values)) return Object.hasOwn(values, name) ? values[name] : undefined;
    const i = names.indexOf(name);
    return i < 0 ? undefined : values[i];
  };
  const context = q[8] ?? undefined;
  if (plan) {
    const cells = plainCells(plan, q[1], q[2], valueNamed);
    if (Array.isArray(context)) for (const [i, text] of context) cells[i] = text;
    while (cells.length > plan.width && cells[cells.length - 1] === "") cells.pop();
    return { fields: cells };
  }
  const ctx = context && !Array.isArray(context) ? context : undefined;
  if (ctx?.object) return { object: ctx.object };
  const attributes: Record<string, unknown> = Object.create(null);
  if (Array.isArray(values)) {
    values.forEach((v, i) => {
      if (v !== null && v !== undefined) attributes[names[i] as string] = v;
    });
  } else Object.assign(attributes, values);
  const start = ctx?.start ?? (q[3] === null ? undefined : q[3]);
  return {
    object: {
      contactId: q[1],
      ...(q[2] ? { instanceId: q[2] } : {}),
      ...(start !== undefined ? { initiationTimestamp: start } : {}),
      ...(q[7] ? { ifCurrent: q[7] } : {}),
      attributes,
    },
  };
}
