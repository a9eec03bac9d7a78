import { JsonNumber } from "../lib/jsonNumber.js";

export { JsonNumber };

/**
 * A JSON value as the text a field sends: numbers (as written) and booleans become
 * strings, null and undefined are "not given" (undefined). 1e400 parses as Infinity:
 * not a value anyone meant (and JSON would carry it as null), so it is not text either.
 */
export function textOf(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return v;
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : undefined;
  if (typeof v === "boolean") return String(v);
  if (v instanceof JsonNumber) return Number.isFinite(Number(v.text)) ? v.text : undefined;
  return undefined;
}

/** True for a JSON number, however it was kept. */
export function isJsonNumber(v: unknown): v is number | JsonNumber {
  return typeof v === "number" || v instanceof JsonNumber;
}

/** The first member of `obj` among `names` that is present (the API's own name or the friendly one). */
export function pick(obj: Record<string, unknown>, names: readonly string[]): unknown {
  for (const n of names) if (Object.hasOwn(obj, n) && obj[n] !== undefined) return obj[n];
  return undefined;
}

/**
 * A value with its kept numbers made numbers again, for members the API types as
 * numbers (a segment attribute's ValueInteger): there the value counts, not its text.
 */
export function plainJson(v: unknown): unknown {
  if (v instanceof JsonNumber) return Number(v.text);
  if (Array.isArray(v)) return v.map(plainJson);
  if (v === null || typeof v !== "object") return v;
  const out: Record<string, unknown> = {};
  for (const [k, child] of Object.entries(v)) {
    if (k === "__proto__") Object.defineProperty(out, k, { value: plainJson(child), writable: true, enumerable: true, configurable: true });
    else out[k] = plainJson(child);
  }
  return out;
}
