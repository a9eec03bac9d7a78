import * as crypto from "node:crypto";

/**
 * Hashes for change detection (`onlyChanged`, see ChangeMemory.ts): 8 bytes each,
 * the first 8 of a SHA-256, as 16 hex digits. Not for security: 64 bits make a collision among the
 * contacts of one job about one chance in 10^7 at 10^6 contacts, and the memory
 * only ever compares a contact's fingerprint with the one stored for it.
 */

/**
 * The first 8 bytes of the SHA-256 of `s`, as 16 hex digits. crypto.hash (Node ≥ 20.12; a namespace import, as
 * a named one fails to link on older Node) is about twice as fast as createHash for inputs this small, and
 * answering text rather than a Buffer three times as fast again (a Buffer and its view cost more than the hash:
 * 200k hashes, 0.21 s as Buffers, 0.07 s as hex): an unchanged night hashes twice per contact.
 */
const sha256Head =
  typeof crypto.hash === "function"
    ? (s: string): string => crypto.hash("sha256", s, "hex").slice(0, 16)
    : (s: string): string => crypto.createHash("sha256").update(s).digest("hex").slice(0, 16);

/** What JSON.stringify escapes in a string (a surrogate only when lone: any sends the string to it). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what JSON escapes, so they are what is looked for.
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * A string as JSON.stringify writes it: most ids and values need no escape, and quoting them here is about
 * half the cost of the call (a 100k-row night quotes 300k strings).
 */
export function quoted(s: string): string {
  return ESCAPED.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/** quoted() remembering its last answer: a night's rows are mostly of one instance and one operation (hashed twice per contact). */
function quotedLast(): (s: string) => string {
  let last = "";
  let json = '""';
  return (s) => {
    if (s !== last) {
      json = quoted(s);
      last = s;
    }
    return json;
  };
}
const instanceJson = quotedLast();
const operationJson = quotedLast();

/** The contact a row is for: one key per instance + contact id (the memory holds one fingerprint per contact). */
export function contactKey(instanceId: string, contactId: string): string {
  // JSON quoting keeps "ab"+"c" apart from "a"+"bc".
  // The text JSON.stringify([instanceId, contactId]) gives, without the array.
  return sha256Head(`c[${instanceJson(instanceId)},${quoted(contactId)}]`);
}

/**
 * What a row sends: the operation and its fields (attribute name → value for
 * UpdateContactAttributes; small JSON objects such as {Value, Type} for
 * UpdateContact), independent of key order at every depth. Instance and contact
 * are hashed in too, so a fingerprint can only ever equal one stored for the same
 * contact: anything that sends a lookup to the wrong place (a colliding contact
 * key, a changed bucket layout) can make a row look changed, never unchanged.
 * Fields whose value is undefined count as absent (as JSON.stringify drops them).
 */
export function fingerprint(instanceId: string, contactId: string, operationName: string, fields: Readonly<Record<string, unknown>>): string {
  return sha256Head(`f[${instanceJson(instanceId)},${quoted(contactId)},${operationJson(operationName)}]${stableJson(fields)}`);
}

/**
 * JSON with the keys of every object sorted (code-unit order); arrays keep their order. Built by concatenation,
 * not parts joined: it runs once per contact of a night (a 100k-row night spent ~0.1 s in it).
 */
export function stableJson(v: unknown): string {
  if (typeof v === "string") return quoted(v);
  if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null";
  if (Array.isArray(v)) {
    let out = "[";
    // A hole is written as nothing, as `map` then `join` wrote it (an undefined element is "null").
    for (let i = 0; i < v.length; i++) out += `${i === 0 ? "" : ","}${i in v ? stableJson(v[i]) : ""}`;
    return `${out}]`;
  }
  const o = v as Record<string, unknown>;
  if (typeof o.toJSON === "function") return stableJson((o.toJSON as () => unknown)());
  const { sorted, names } = sortedKeys(Object.keys(o));
  let out = "{";
  for (let i = 0; i < sorted.length; i++) {
    const x = o[sorted[i] as string];
    if (x === undefined || typeof x === "function") continue;
    out += `${out.length === 1 ? "" : ","}${names[i]}:${typeof x === "string" ? quoted(x) : stableJson(x)}`;
  }
  return `${out}}`;
}

/**
 * An object's keys sorted, and each as JSON, kept for the next object with the same keys in the same order: a
 * file's rows all have its columns (sorting and quoting them again for every contact was ~a third of the
 * fingerprint's own time).
 */
let lastKeys: readonly string[] = [];
let lastSorted: { sorted: readonly string[]; names: readonly string[] } = { sorted: [], names: [] };
function sortedKeys(keys: string[]): { sorted: readonly string[]; names: readonly string[] } {
  let same = keys.length === lastKeys.length;
  for (let i = 0; same && i < keys.length; i++) same = keys[i] === lastKeys[i];
  if (same) return lastSorted;
  lastKeys = keys.slice();
  const sorted = keys.length > 1 ? keys.sort() : keys;
  lastSorted = { sorted, names: sorted.map((k) => JSON.stringify(k)) };
  return lastSorted;
}
