/** One row as the memory sees it: its contact key and its fingerprint (see fieldsFingerprint.ts), 8 bytes each, as Buffers or 16 hex digits. */
export interface ChangeEntry {
  readonly contact: Buffer | string;
  readonly fp: Buffer | string;
}

/**
 * Rows travel packed: one string of 16 bytes a row (2: index into KEYS, big-endian; 6: field, the contact;
 * 8: fingerprint). Three arguments a row cost more than the look-up itself, in the client that writes them
 * and in the script that receives them (an unchanged night of 100k rows spent ~0.3 s on them).
 */
export const ROW_BYTES = 16;

/**
 * Entries [from, to) as a script takes them: their distinct buckets, in the order first met, as one text of
 * `width` hex digits each (`buckets`; a row's first 2 bytes are its bucket's place in it, from 1), the first of them
 * (`first`: the script's one declared key is its bucket's), and the rows packed.
 * Packed as one hex text turned into bytes once: a write into the buffer per contact and fingerprint cost more
 * than the rest of a look-up's packing (an unchanged night of 100k rows: ~0.1 s).
 */
export function packRows(
  entries: readonly ChangeEntry[],
  from: number,
  to: number,
  bucketBits: number,
  width: number,
): { first: string; buckets: string; rows: Buffer } {
  // Bucket -> its place in `buckets`, as the 4 hex digits of the row's first 2 bytes.
  const index = new Map<number, string>();
  let buckets = "";
  let hex = "";
  for (let e = from; e < to; e++) {
    const entry = entries[e] as ChangeEntry;
    const contact = hexOf(entry.contact);
    const bucket = Number.parseInt(contact.slice(0, 8), 16) >>> (32 - bucketBits);
    let i = index.get(bucket);
    if (i === undefined) {
      buckets += bucket.toString(16).padStart(width, "0");
      index.set(bucket, (i = (index.size + 1).toString(16).padStart(4, "0")));
    }
    hex += `${i}${contact.slice(4)}${hexOf(entry.fp)}`;
  }
  // One test of the whole text, not one per entry: Node's hex decoding stops at a character that is not a
  // hex digit, and reads some that are not ("š" as "a": it looks at a character's low byte only).
  if (hex.length !== (to - from) * ROW_BYTES * 2 || !HEX.test(hex)) {
    for (let e = from; e < to; e++) {
      checked((entries[e] as ChangeEntry).contact, "contact");
      checked((entries[e] as ChangeEntry).fp, "fp");
    }
    throw new Error(`ChangeMemory: ${to - from} rows packed to ${hex.length / 2} bytes`);
  }
  return { first: buckets.slice(0, width), buckets, rows: Buffer.from(hex, "hex") };
}

const HEX16 = /^[0-9a-fA-F]{16}$/;
const HEX = /^[0-9a-fA-F]*$/;

/** Checks an entry's contact or fingerprint: 8 bytes, as a Buffer or 16 hex digits (what fieldsFingerprint.ts answers). */
export function checked(v: Buffer | string, what: string): Buffer | string {
  if (typeof v === "string" ? HEX16.test(v) : Buffer.isBuffer(v) && v.length === 8) return v;
  throw new TypeError(`ChangeMemory: ${what} must be 8 bytes (a Buffer or 16 hex digits), got ${Buffer.isBuffer(v) ? `${v.length} bytes` : JSON.stringify(v)}`);
}

/** The first 4 bytes, big-endian, of a checked contact: what picks its bucket. */
export function first32(c: Buffer | string): number {
  return typeof c === "string" ? Number.parseInt(c.slice(0, 8), 16) : c.readUInt32BE(0);
}

/** A string of 16 characters as it is (scriptArgs tests them all at once), a Buffer's 8 bytes in hex, or "" (refused). */
function hexOf(v: Buffer | string): string {
  return typeof v === "string" && v.length === 16 ? v : Buffer.isBuffer(v) && v.length === 8 ? v.toString("hex") : "";
}
