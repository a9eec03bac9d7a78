import { fromExactJson } from "../lib/exactJson.js";
import type { QueuedRow, RowContext } from "./queuedRow.js";
import { utcSecondsMs } from "./utcSeconds.js";

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
  /** The initiationTimestamp column: given back as ISO-8601 (without zero milliseconds) unless the row kept its own text. */
  readonly start?: number | undefined;
  readonly fields: ReadonlyArray<readonly [index: number, name: string]>;
}

/** A start as the cells give it back by themselves: the text most exports write. */
export function startText(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "";
  const iso = new Date(ms).toISOString();
  return iso.endsWith(".000Z") ? `${iso.slice(0, -5)}Z` : iso;
}

/** How a checked row fills a column by itself: the contact, the instance given, the start, a field by name, or nothing. */
export type CellRole =
  | { readonly kind: "contact" }
  | { readonly kind: "instance" }
  | { readonly kind: "start" }
  | { readonly kind: "field"; readonly name: string }
  | undefined;

/** Per column of the plan, its role. */
export function cellsOf(plan: ColumnPlan): CellRole[] {
  const roles: CellRole[] = new Array(plan.width).fill(undefined);
  roles[plan.contactId] = { kind: "contact" };
  if (plan.instanceId !== undefined) roles[plan.instanceId] = { kind: "instance" };
  if (plan.start !== undefined) roles[plan.start] = { kind: "start" };
  for (const [i, name] of plan.fields) roles[i] = { kind: "field", name };
  return roles;
}

/** The cells of one row, given back by the plan alone. */
export function plainCell(
  role: CellRole,
  contactId: string,
  givenInstanceId: string,
  start: number | null | undefined,
  valueNamed: (name: string) => unknown,
): string {
  if (!role) return "";
  if (role.kind === "contact") return contactId;
  if (role.kind === "instance") return givenInstanceId;
  if (role.kind === "start") return startText(start);
  const v = valueNamed(role.name);
  return typeof v === "string" ? v : "";
}

/**
 * What a CSV row's context must keep so that `originalOf` gives back `raw` exactly;
 * undefined (most rows) when nothing. `same(i, text)`: the row gives column i's text by itself.
 */
export function csvContext(raw: readonly string[], width: number, same: (i: number, text: string) => boolean): RowContext | undefined {
  let out: Array<[number, string]> | undefined;
  const n = Math.max(width, raw.length);
  for (let i = 0; i < n; i++) {
    const text = raw[i] ?? "";
    if (i < width ? !same(i, text) : text !== "") (out ??= []).push([i, text]);
  }
  return out;
}

/** `plainCell(role, …) === text`, without formatting a start that cannot be ISO-8601 as `startText` writes it. */
export function sameCell(
  role: CellRole,
  text: string,
  contactId: string,
  givenInstanceId: string,
  start: number | null | undefined,
  valueNamed: (name: string) => unknown,
): boolean {
  if (role?.kind === "start") {
    // The common shape compared without formatting the start again (what startText would write for it).
    const fast = text.length === 20 ? utcSecondsMs(text) : undefined;
    if (fast !== undefined) return fast === start;
    return (text.length === 20 || text.length === 24) && text.charCodeAt(10) === 84 /* T */ && text === startText(start);
  }
  return text === plainCell(role, contactId, givenInstanceId, start, valueNamed);
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
    const roles = cellsOf(plan);
    const cells = roles.map((role) => plainCell(role, q[1], q[2], q[3], valueNamed));
    if (Array.isArray(context)) for (const [i, text] of context) cells[i] = text;
    while (cells.length > plan.width && cells[cells.length - 1] === "") cells.pop();
    return { fields: cells };
  }
  const ctx = context && !Array.isArray(context) ? context : undefined;
  if (ctx?.object) return { object: fromExactJson(ctx.object) as Record<string, unknown> };
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
