/**
 * A JSON value as the text a field sends: numbers and booleans become strings,
 * null and undefined are "not given" (undefined). 1e400 parses as Infinity: not a
 * value anyone meant (and JSON would carry it as null), so it is not text either.
 */
export function textOf(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return v;
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : undefined;
  if (typeof v === "boolean") return String(v);
  return undefined;
}

/** The first member of `obj` among `names` that is present (the API's own name or the friendly one). */
export function pick(obj: Record<string, unknown>, names: readonly string[]): unknown {
  for (const n of names) if (Object.hasOwn(obj, n) && obj[n] !== undefined) return obj[n];
  return undefined;
}
