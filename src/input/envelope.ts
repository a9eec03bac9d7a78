import { transformCell, type ColumnRoles } from "./columnRoles.js";
import { pick, textOf } from "./jsonValues.js";
import { parseTimestamp } from "./parseTimestamp.js";
import { CONTACT_ID_MEMBERS, INSTANCE_MEMBERS, START_MEMBERS } from "../domain/rowMembers.js";
import { undoNeutralise } from "./undoNeutralise.js";

export interface RowDefaults {
  /** Used for rows that name no instance (`--instance-id`). */
  readonly instanceId: string | undefined;
}

/**
 * What every row says whatever the operation: which contact, on which
 * instance, when it started; and the rest of the record, as read, for the
 * operation to give meaning to (a CSV row's other cells, or the JSONL object).
 */
export interface Envelope {
  readonly contactId: string;
  readonly instanceId: string;
  /** Epoch milliseconds, when the file gave one. */
  readonly initiationTimestamp: number | undefined;
  /** JSONL only: values the contact must hold for the row to be written (`ifCurrent`). */
  readonly ifCurrent?: Readonly<Record<string, string | null>>;
  readonly body:
    | { readonly kind: "cells"; readonly cells: Array<readonly [name: string, value: string]> }
    | { readonly kind: "object"; readonly value: Record<string, unknown> };
}

export type EnvelopeCheck = { readonly ok: true; readonly envelope: Envelope } | { readonly ok: false; readonly code: string; readonly reason: string };

function timestampOf(text: string | undefined): { ok: true; ms: number | undefined } | { ok: false; reason: string } {
  if (text === undefined || text.trim() === "") return { ok: true, ms: undefined };
  const ms = parseTimestamp(text);
  if (ms === undefined) {
    return { ok: false, reason: `has initiationTimestamp "${text.slice(0, 40)}", which is neither ISO-8601 nor epoch seconds or milliseconds` };
  }
  return { ok: true, ms };
}

/**
 * A CSV record's envelope. Empty cells are left out of the body: Connect has no delete, and "" would blank.
 * A mapping's transforms apply to the cell as the file meant it (a failures.csv's apostrophe taken off
 * first), before those rules; its constants fill in the names the row leaves empty.
 */
export function envelopeOfFields(fields: readonly string[], roles: ColumnRoles, defaults: RowDefaults): EnvelopeCheck {
  const cells: Array<readonly [string, string]> = [];
  const named = roles.fields;
  // Indexed, and no closure per row: this runs once per row of files with millions of rows.
  for (let k = 0; k < named.length; k++) {
    const [i, name] = named[k] as readonly [number, string];
    const value = cellOf(fields, i, roles);
    if (value !== "") cells.push([name, value]);
  }
  if (roles.constants !== undefined && roles.constants.length > 0) {
    const given = new Set(cells.map(([name]) => name));
    for (const [name, value] of roles.constants) if (!given.has(name) && value !== "") cells.push([name, value]);
  }
  const ts = timestampOf(roles.initiationTimestamp === undefined ? undefined : cellOf(fields, roles.initiationTimestamp, roles));
  if (!ts.ok) return { ok: false, code: "InvalidTimestamp", reason: ts.reason };
  const instance = roles.instanceId === undefined ? "" : cellOf(fields, roles.instanceId, roles).trim();
  return {
    ok: true,
    envelope: {
      contactId: cellOf(fields, roles.contactId, roles).trim(),
      instanceId: instance !== "" ? instance : (defaults.instanceId ?? ""),
      initiationTimestamp: ts.ms,
      body: { kind: "cells", cells },
    },
  };
}

/** Cell `i` as the file meant it (a failures.csv's apostrophe taken off), through the mapping's transform if it has one. */
function cellOf(fields: readonly string[], i: number, roles: ColumnRoles): string {
  const raw = fields[i] ?? "";
  const text = roles.isFailuresFile ? undoNeutralise(raw) : raw;
  const t = roles.transforms?.get(i);
  return t === undefined ? text : transformCell(text, t);
}

/** Member names that say the same thing: the contact id's four spellings are one member, as in a CSV header. */
function memberOf(key: string): string {
  const k = key.toLowerCase();
  return k === "initialcontactid" ? "contactid" : k;
}

/**
 * Two members of a row that name one thing (`contactId` beside `ContactId`, `attributes` beside
 * `Attributes`): which one is meant cannot be told, so the row is refused rather than one taken.
 */
function ambiguousMembers(obj: Record<string, unknown>): [string, string] | undefined {
  const seen = new Map<string, string>();
  for (const key of Object.keys(obj)) {
    const m = memberOf(key);
    const first = seen.get(m);
    if (first !== undefined) return [first, key];
    seen.set(m, key);
  }
  return undefined;
}

/** A JSONL object's envelope. The API's own member names are accepted too. */
export function envelopeOfObject(obj: Record<string, unknown>, defaults: RowDefaults): EnvelopeCheck {
  const bad = (code: string, reason: string): EnvelopeCheck => ({ ok: false, code, reason });
  const twice = ambiguousMembers(obj);
  if (twice) {
    const [a, b] = twice.map((k) => JSON.stringify(k.slice(0, 40)));
    return bad("AmbiguousMembers", `has both ${a} and ${b}, which name the same thing; keep one`);
  }
  const rawContact = pick(obj, CONTACT_ID_MEMBERS);
  const contactId = textOf(rawContact);
  if (rawContact !== undefined && rawContact !== null && contactId === undefined) {
    return bad("MissingContactId", "has a contactId that is not a string");
  }
  const rawInstance = pick(obj, INSTANCE_MEMBERS);
  const instanceId = textOf(rawInstance);
  if (rawInstance !== undefined && rawInstance !== null && instanceId === undefined) {
    return bad("MissingInstanceId", "has an instanceId that is not a string");
  }
  const rawTs = pick(obj, START_MEMBERS);
  const ts = timestampOf(textOf(rawTs));
  if (!ts.ok || (rawTs !== undefined && rawTs !== null && textOf(rawTs) === undefined)) {
    return bad("InvalidTimestamp", ts.ok ? "has an initiationTimestamp that is neither a string nor a number" : ts.reason);
  }
  const instance = (instanceId ?? "").trim();
  const rawIf = obj.ifCurrent;
  let ifCurrent: Record<string, string | null> | undefined;
  if (rawIf !== undefined) {
    if (rawIf === null || typeof rawIf !== "object" || Array.isArray(rawIf)) return bad("InvalidIfCurrent", 'has "ifCurrent" that is not an object of name → value');
    ifCurrent = Object.create(null) as Record<string, string | null>;
    for (const [k, v] of Object.entries(rawIf as Record<string, unknown>)) {
      if (v !== null && typeof v !== "string") return bad("InvalidIfCurrent", `has an "ifCurrent" value for "${k.slice(0, 40)}" that is neither a string nor null`);
      ifCurrent[k] = v;
    }
  }
  return {
    ok: true,
    envelope: {
      contactId: (contactId ?? "").trim(),
      instanceId: instance !== "" ? instance : (defaults.instanceId ?? ""),
      initiationTimestamp: ts.ms,
      ...(ifCurrent ? { ifCurrent } : {}),
      body: { kind: "object", value: obj },
    },
  };
}
