/**
 * The producer's memory of the last queued line of every contact, so each row
 * can name its predecessor (the previous line of the same contact) and workers
 * apply a contact's rows in file order (see domain/groupAndFold.ts).
 *
 * A Map of strings would cost ~150 bytes per contact (1M contacts ≈ 150 MB, as
 * much as the rest of the producer). Here a contact is a 53-bit hash in an
 * open-addressing table of typed arrays: 12 bytes a slot, kept between a quarter
 * and half full, so 24 to 48 bytes per contact (1M distinct contacts: 2^21 slots,
 * 25 MB; 38 MB for the moment a resize holds both tables, which `reserve` spares a
 * producer that knows its file's size). Two contacts sharing a hash (about one
 * chance in 10^10 for 1M contacts) only make a row wait for an unrelated line
 * that is finished anyway: harmless, never wrong.
 */
export class ContactChain {
  private keys: Float64Array;
  private lines: Uint32Array;
  private used = 0;

  constructor(initialSlots = 1 << 16) {
    this.keys = new Float64Array(initialSlots);
    this.lines = new Uint32Array(initialSlots);
  }

  /** Contacts remembered. */
  get size(): number {
    return this.used;
  }

  /** Bytes held by the table (for the benchmark's memory bound). */
  get bytes(): number {
    return this.keys.byteLength + this.lines.byteLength;
  }

  /** Records `line` as the contact's last line; returns the line before it, or 0 for its first. */
  previous(instanceId: string, contactId: string, line: number): number {
    // 0 marks an empty slot: a hash of 0 becomes 1 (one more harmless collision).
    const h = hash53(instanceId, contactId) || 1;
    const mask = this.keys.length - 1;
    // The hash's low 32 bits (an integer's, exact in a double), not a floating-point remainder.
    let i = h & mask;
    for (;;) {
      const k = this.keys[i] as number;
      if (k === 0) break;
      if (k === h) {
        const prev = this.lines[i] as number;
        this.lines[i] = line;
        return prev;
      }
      i = (i + 1) & mask;
    }
    this.keys[i] = h;
    this.lines[i] = line;
    if (++this.used * 2 > this.keys.length) this.grow();
    return 0;
  }

  /** The contact's last line recorded so far (0: none), without recording anything. */
  lastLine(instanceId: string, contactId: string): number {
    const h = hash53(instanceId, contactId) || 1;
    const mask = this.keys.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const k = this.keys[i] as number;
      if (k === 0) return 0;
      if (k === h) return this.lines[i] as number;
    }
  }

  /**
   * Room for `contacts` contacts at once (at most 2^20: never more than a 1M-contact table is taken on a guess):
   * a table grown by doubling moves every contact at each size, and holds two tables while it does.
   */
  reserve(contacts: number): void {
    const wanted = Math.min(contacts, 1 << 20) * 2;
    let slots = this.keys.length;
    while (slots < wanted) slots *= 2;
    if (slots > this.keys.length) this.resize(slots);
  }

  private grow(): void {
    this.resize(this.keys.length * 2);
  }

  private resize(slots: number): void {
    const oldKeys = this.keys;
    const oldLines = this.lines;
    this.keys = new Float64Array(slots);
    this.lines = new Uint32Array(slots);
    const mask = slots - 1;
    for (let j = 0; j < oldKeys.length; j++) {
      const h = oldKeys[j] as number;
      if (h === 0) continue;
      let i = h & mask;
      while (this.keys[i] !== 0) i = (i + 1) & mask;
      this.keys[i] = h;
      this.lines[i] = oldLines[j] as number;
    }
  }
}

/** cyrb53 (public domain) over "instance NUL contact": fast, well mixed, exact in a double. */
export function hash53(instanceId: string, contactId: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  // Inlined loops: this runs once per row of files with millions of rows.
  for (let i = 0; i < instanceId.length; i++) {
    const c = instanceId.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1, 2654435761);
  h2 = Math.imul(h2, 1597334677);
  for (let i = 0; i < contactId.length; i++) {
    const c = contactId.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
