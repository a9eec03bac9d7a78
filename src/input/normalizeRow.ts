import type { ColumnRoles } from "./columnRoles.js";
import type { RowCheck } from "./ContactRow.js";
import { parseTimestamp } from "./parseTimestamp.js";
import { undoNeutralise } from "./undoNeutralise.js";
import { validateRow } from "./validateRow.js";

export interface RowDefaults {
  /** Used for rows that name no instance (`--instance-id`). */
  readonly instanceId: string | undefined;
}

function timestampOf(text: string | undefined): { ok: true; ms: number | undefined } | { ok: false; reason: string } {
  if (text === undefined || text.trim() === "") return { ok: true, ms: undefined };
  const ms = parseTimestamp(text);
  if (ms === undefined) {
    return { ok: false, reason: `has initiationTimestamp "${text.slice(0, 40)}", which is neither ISO-8601 nor epoch seconds or milliseconds` };
  }
  return { ok: true, ms };
}

/** A CSV record to a checked row. Empty cells are not sent (Connect has no delete; "" would blank). */
export function normalizeFields(fields: readonly string[], roles: ColumnRoles, line: number, defaults: RowDefaults): RowCheck {
  const cell = roles.isFailuresFile ? (i: number) => undoNeutralise(fields[i] ?? "") : (i: number) => fields[i] ?? "";
  // Null prototype: "__proto__" is a legal attribute name for Connect, and on a plain {} assigning it is lost.
  const attributes = Object.create(null) as Record<string, string>;
  for (const [i, name] of roles.attributes) {
    const value = cell(i);
    if (value !== "") attributes[name] = value;
  }
  const ts = timestampOf(roles.initiationTimestamp === undefined ? undefined : cell(roles.initiationTimestamp));
  if (!ts.ok) return { ok: false, code: "InvalidTimestamp", reason: ts.reason };
  const instance = roles.instanceId === undefined ? "" : cell(roles.instanceId).trim();
  return validateRow({
    line,
    contactId: cell(roles.contactId).trim(),
    instanceId: instance !== "" ? instance : (defaults.instanceId ?? ""),
    initiationTimestamp: ts.ms,
    attributes,
  });
}

function pick(obj: Record<string, unknown>, names: readonly string[]): unknown {
  for (const n of names) if (Object.hasOwn(obj, n) && obj[n] !== undefined) return obj[n];
  return undefined;
}

function asText(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return v;
  // 1e400 parses as Infinity: not a value anyone meant (and JSON would carry it as null).
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : undefined;
  if (typeof v === "boolean") return String(v);
  return undefined;
}

/** A JSONL object to a checked row. The API's own member names are accepted too. */
export function normalizeObject(obj: Record<string, unknown>, line: number, defaults: RowDefaults): RowCheck {
  const bad = (code: string, reason: string): RowCheck => ({ ok: false, code, reason });
  const rawContact = pick(obj, ["contactId", "initialContactId", "InitialContactId", "ContactId"]);
  const contactId = asText(rawContact);
  if (rawContact !== undefined && rawContact !== null && contactId === undefined) {
    return bad("MissingContactId", "has a contactId that is not a string");
  }
  const rawInstance = pick(obj, ["instanceId", "InstanceId"]);
  const instanceId = asText(rawInstance);
  if (rawInstance !== undefined && rawInstance !== null && instanceId === undefined) {
    return bad("MissingInstanceId", "has an instanceId that is not a string");
  }
  const rawTs = pick(obj, ["initiationTimestamp", "InitiationTimestamp"]);
  const ts = timestampOf(asText(rawTs));
  if (!ts.ok || (rawTs !== undefined && rawTs !== null && asText(rawTs) === undefined)) {
    return bad("InvalidTimestamp", ts.ok ? "has an initiationTimestamp that is neither a string nor a number" : ts.reason);
  }
  const rawAttrs = pick(obj, ["attributes", "Attributes"]);
  if (rawAttrs !== undefined && (rawAttrs === null || typeof rawAttrs !== "object" || Array.isArray(rawAttrs))) {
    return bad("NoAttributes", "has \"attributes\" that is not an object of name → value");
  }
  const attributes = Object.create(null) as Record<string, string>;
  for (const [key, value] of Object.entries((rawAttrs ?? {}) as Record<string, unknown>)) {
    if (value === null || value === undefined) continue;
    const text = asText(value);
    if (typeof value === "number" && text === undefined) return bad("InvalidAttributeValue", `has a value for "${key.slice(0, 40)}" that is not a finite number`);
    if (text === undefined) return bad("InvalidAttributeValue", `has a value for "${key.slice(0, 40)}" that is an object or array; values must be strings`);
    attributes[key] = text;
  }
  const instance = (instanceId ?? "").trim();
  return validateRow({
    line,
    contactId: (contactId ?? "").trim(),
    instanceId: instance !== "" ? instance : (defaults.instanceId ?? ""),
    initiationTimestamp: ts.ms,
    attributes,
  });
}
