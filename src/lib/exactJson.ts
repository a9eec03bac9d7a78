import { randomBytes } from "node:crypto";
import { JsonNumber } from "./jsonNumber.js";

/**
 * JSON that keeps a JSON number's text (lib/jsonNumber.ts) where JSON.stringify would make it a double: the
 * record a row was read from travels in a queued chunk and in its outcome (failures.csv, `retry`), and
 * `1.10`, `12345678901234567890` or `1e400` must come back as written, not as 1.1, 12345678901234567000 or null.
 *
 * A kept number is written as an object of one member, ESC + "n", holding its text; an object's own key that
 * starts with ESC is written with one more ESC before it, so no record can be mistaken for a kept number.
 * Records without either are given back as they are (no copy): most records hold neither.
 */
const ESC = "\u0000";
const TAG = `${ESC}n`;

/** `v` as JSON can carry it, its kept numbers tagged. */
export function toExactJson(v: unknown): unknown {
  return needsTags(v) ? tagged(v) : v;
}

/** What toExactJson wrote, its kept numbers made JsonNumbers again. A value written before tags existed is given back as it was. */
export function fromExactJson(v: unknown): unknown {
  return hasEscapes(v) ? untagged(v) : v;
}

/** JSON text of `v` with each kept number written as its own text (a failures file's raw record). */
export function exactStringify(v: unknown): string {
  const texts: string[] = [];
  // A marker no record holds: the kept numbers' places, replaced by their texts once the rest is written.
  const mark = `${ESC}${randomBytes(6).toString("hex")}:`;
  const json = JSON.stringify(v, function (this: Record<string, unknown>, key, value) {
    const own = this[key];
    if (!(own instanceof JsonNumber)) return value;
    texts.push(own.text);
    return `${mark}${texts.length - 1}`;
  });
  if (texts.length === 0) return json;
  const quotedMark = JSON.stringify(mark).slice(1, -1);
  return json.replace(new RegExp(`"${quotedMark.replace(/\\/g, "\\\\")}(\\d+)"`, "g"), (_, i: string) => texts[Number(i)] as string);
}

function needsTags(v: unknown): boolean {
  if (v instanceof JsonNumber) return true;
  if (v === null || typeof v !== "object") return false;
  if (Array.isArray(v)) return v.some(needsTags);
  for (const [k, child] of Object.entries(v)) if (k.startsWith(ESC) || needsTags(child)) return true;
  return false;
}

function tagged(v: unknown): unknown {
  if (v instanceof JsonNumber) return { [TAG]: v.text };
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(tagged);
  const out: Record<string, unknown> = {};
  for (const [k, child] of Object.entries(v)) own(out, k.startsWith(ESC) ? ESC + k : k, tagged(child));
  return out;
}

function hasEscapes(v: unknown): boolean {
  if (v === null || typeof v !== "object") return false;
  if (Array.isArray(v)) return v.some(hasEscapes);
  for (const [k, child] of Object.entries(v)) if (k.startsWith(ESC) || hasEscapes(child)) return true;
  return false;
}

function untagged(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(untagged);
  const keys = Object.keys(v);
  const o = v as Record<string, unknown>;
  if (keys.length === 1 && keys[0] === TAG && typeof o[TAG] === "string") return new JsonNumber(o[TAG] as string);
  const out: Record<string, unknown> = {};
  for (const k of keys) own(out, k.startsWith(ESC) ? k.slice(1) : k, untagged(o[k]));
  return out;
}

/** Sets an own member: "__proto__" is a key like any other here, never the prototype (as JSON.parse makes it). */
function own(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
  else out[key] = value;
}
