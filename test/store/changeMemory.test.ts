import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHANGE_MEMORY_TTL_MS, ChangeMemory, type ChangeEntry } from "../../src/store/changeMemory.js";
import { contactKey, fingerprint, stableJson } from "../../src/queue/fieldsFingerprint.js";
import { deletePrefix, REDIS_URL, uniquePrefix } from "../integration/helpers.js";

const INSTANCE = "1a2b3c4d-0000-4000-8000-00000000beef";
const fields = (o: Record<string, unknown>): Record<string, unknown> => Object.assign(Object.create(null) as Record<string, unknown>, o);
const entry = (contactId: string, f: Record<string, unknown>, op = "UpdateContactAttributes", instanceId = INSTANCE): ChangeEntry => ({
  contact: contactKey(instanceId, contactId),
  fp: fingerprint(instanceId, contactId, op, fields(f)),
});

describe("fieldsFingerprint", () => {
  it("is 8 bytes (16 hex digits) and independent of key order, at every depth", () => {
    const a = fingerprint(INSTANCE, "c1", "UpdateContact", fields({ Name: { Value: "x", Type: "STRING" }, Description: { Type: "STRING", Value: "y" } }));
    const b = fingerprint(INSTANCE, "c1", "UpdateContact", fields({ Description: { Value: "y", Type: "STRING" }, Name: { Type: "STRING", Value: "x" } }));
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(a).toBe(b);
    expect(stableJson({ b: [2, { d: 1, c: null }], a: "x", u: undefined })).toBe('{"a":"x","b":[2,{"c":null,"d":1}]}');
    expect(contactKey(INSTANCE, "c1")).toMatch(/^[0-9a-f]{16}$/);
  });

  it("differs with the values, the field names, the operation, the instance and the contact", () => {
    const base = fingerprint(INSTANCE, "c1", "UpdateContactAttributes", fields({ tier: "gold", score: "7" }));
    const others = [
      fingerprint(INSTANCE, "c1", "UpdateContactAttributes", fields({ tier: "gold", score: "8" })),
      fingerprint(INSTANCE, "c1", "UpdateContactAttributes", fields({ tier: "gold", scorf: "7" })),
      fingerprint(INSTANCE, "c1", "UpdateContactAttributes", fields({ tier: "gold" })),
      fingerprint(INSTANCE, "c1", "UpdateContact", fields({ tier: "gold", score: "7" })),
      fingerprint("other-instance", "c1", "UpdateContactAttributes", fields({ tier: "gold", score: "7" })),
      fingerprint(INSTANCE, "c2", "UpdateContactAttributes", fields({ tier: "gold", score: "7" })),
      // A value that is a number, not a string, is another value.
      fingerprint(INSTANCE, "c1", "UpdateContactAttributes", fields({ tier: "gold", score: 7 })),
    ];
    for (const o of others) expect(o).not.toBe(base);
    expect(contactKey("ab", "c")).not.toBe(contactKey("a", "bc"));
    expect(contactKey("i1", "c")).not.toBe(contactKey("i2", "c"));
  });

  it("are the bytes earlier releases stored: a memory written last night still matches after an upgrade", () => {
    // Pinned from the release that first stored them; a faster encoding must give the same bytes.
    const cases: Array<[string, string, string, Record<string, unknown>, string, string]> = [
      [INSTANCE, "c1", "UpdateContactAttributes", { tier: "gold", score: "7", owner: "agent-1" }, "0676e6d88395c1d0", "ea925decc204e9d7"],
      [
        INSTANCE,
        "00000001-aaaa-4bbb-8ccc-123456789abc",
        "UpdateContactAttributes",
        { Tier: "x", tier: "y", é: "ü", 'a"b': 'q\\"\n', "": "" },
        "f9eae024ff4f3b46",
        "7eb3f50666ab3b0f",
      ],
      [
        INSTANCE,
        "c2",
        "UpdateContact",
        {
          Name: { Value: "x", Type: "STRING" },
          References: { b: { Value: "1", Type: "URL" }, a: { Type: "STRING", Value: "z" } },
          Description: null,
          skip: undefined,
        },
        "82e532726d125edd",
        "c5ad701d44756371",
      ],
      [
        "inst-\u{1F600}",
        "c\u2028",
        "UpdateContactAttributes",
        { arr: [1, "2", null, undefined, { z: 1, y: [true, false] }], n: 1.5e-7, big: 12345678901234567000 },
        "cf80c35ad8b5a7d4",
        "0a0b6992d1d20bc1",
      ],
    ];
    // Arrays with holes (written as nothing, as `join` wrote them) and undefined elements (written as null).
    const sparse = (length: number, values: Record<number, unknown>): unknown[] => {
      const a = new Array<unknown>(length);
      for (const [i, v] of Object.entries(values)) a[Number(i)] = v;
      return a;
    };
    cases.push([
      INSTANCE,
      "c3",
      "UpdateContactAttributes",
      { holes: sparse(4, { 0: 1, 2: 2 }), empty: sparse(2, {}), nested: { a: sparse(2, { 1: "x" }) }, u: [undefined, null] },
      "05225cffe44e4cd1",
      "f967896254ceff6f",
    ]);
    for (const [instanceId, contactId, op, f, fp, contact] of cases) {
      expect(fingerprint(instanceId, contactId, op, fields(f))).toBe(fp);
      // A plain object (a row's own fields) and one without a prototype (a fold) give the same bytes.
      expect(fingerprint(instanceId, contactId, op, { ...f })).toBe(fp);
      expect(contactKey(instanceId, contactId)).toBe(contact);
    }
  });
});

describe("ChangeMemory (real Redis)", () => {
  let redis: Redis;
  const prefixes: string[] = [];
  const memory = (job = "nightly", options = {}) => {
    const p = uniquePrefix();
    prefixes.push(p);
    return new ChangeMemory(redis, `${p}:changed:${job}`, options);
  };

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    for (const p of prefixes) await deletePrefix(p);
    await redis.quit();
  });

  it("answers unchanged only for what was remembered: same values, same contact", async () => {
    const m = memory();
    const sent = [entry("c1", { tier: "gold" }), entry("c2", { tier: "silver" })];
    expect(await m.unchanged(sent)).toEqual([false, false]);
    expect(await m.remember(sent)).toBe(2);
    expect(await m.unchanged(sent)).toEqual([true, true]);
    // Key order does not matter; another value, operation or instance does; a contact never remembered is changed.
    const probe = [
      entry("c1", fields({ tier: "gold" })),
      entry("c1", { tier: "platinum" }),
      entry("c1", { tier: "gold" }, "UpdateContact"),
      entry("c1", { tier: "gold" }, "UpdateContactAttributes", "another-instance"),
      entry("c3", { tier: "gold" }),
    ];
    expect(await m.unchanged(probe)).toEqual([true, false, false, false, false]);
    // Remembering a newer value replaces the old one (not a new contact); the later entry of a batch wins.
    expect(await m.remember([entry("c1", { tier: "platinum" }), entry("c1", { tier: "diamond" })])).toBe(0);
    expect(await m.unchanged([entry("c1", { tier: "gold" }), entry("c1", { tier: "platinum" }), entry("c1", { tier: "diamond" })])).toEqual([false, false, true]);
    expect(await m.unchanged([])).toEqual([]);
  });

  it("what a run remembered counts for later runs, never for the run itself (a call retried after its worker died)", async () => {
    const m = memory();
    const sent = [entry("c1", { tier: "gold" })];
    await m.remember(sent, "night-1");
    expect(await m.unchanged(sent, "night-1")).toEqual([false]);
    expect(await m.unchanged(sent, "night-2")).toEqual([true]);
    expect(await m.unchanged(sent)).toEqual([true]);
    // Values remembered without a run (an earlier release) count as another run's.
    await m.remember([entry("c2", { tier: "silver" })]);
    expect(await m.unchanged([entry("c2", { tier: "silver" })], "night-1")).toEqual([true]);
  });

  it("takes contact and fingerprint as 8-byte Buffers too (the same bucket and bytes), and refuses anything else", async () => {
    const m = memory();
    const e = entry("hex", { a: "1" });
    const asBuffers = { contact: Buffer.from(e.contact as string, "hex"), fp: Buffer.from(e.fp as string, "hex") };
    await m.remember([asBuffers]);
    expect(m.bucketKey(asBuffers.contact)).toBe(m.bucketKey(e.contact));
    expect(await m.unchanged([e])).toEqual([true]);
    expect(await m.unchanged([{ contact: e.contact, fp: entry("hex", { a: "2" }).fp }])).toEqual([false]);
    await m.remember([entry("hex", { a: "2" })]);
    expect(await m.unchanged([asBuffers])).toEqual([false]);
    await expect(m.unchanged([{ contact: "c1", fp: e.fp }])).rejects.toThrow(/contact must be 8 bytes/);
    // 16 characters, but not all hex digits: refused, not cut short.
    await expect(m.unchanged([e, { contact: e.contact, fp: `${(e.fp as string).slice(0, 15)}g` }])).rejects.toThrow(/fp must be 8 bytes.*"[0-9a-f]{15}g"/);
    // Nor a character whose low byte is a hex digit's ("š" is U+0161): Node's hex decoding would read it as "a".
    await expect(m.unchanged([{ contact: `${(e.contact as string).slice(0, 15)}š`, fp: e.fp }])).rejects.toThrow(/contact must be 8 bytes/);
    await expect(m.remember([{ contact: e.contact, fp: Buffer.alloc(16) }])).rejects.toThrow(/fp must be 8 bytes.*16 bytes/);
    expect(() => new ChangeMemory(redis, "x", { bucketBits: 0 })).toThrow(/bucketBits.*got 0/);
  });

  it("keeps each bucket for 24 months after its last write", async () => {
    const m = memory();
    await m.remember([entry("c1", { a: "1" })]);
    const pttl = await redis.pttl(m.bucketKey(contactKey(INSTANCE, "c1")));
    expect(pttl).toBeGreaterThan(700 * 24 * 3600 * 1000);
    expect(pttl).toBeLessThanOrEqual(CHANGE_MEMORY_TTL_MS);
    // A write refreshes it.
    await redis.pexpire(m.bucketKey(contactKey(INSTANCE, "c1")), 1000 * 3600);
    await m.remember([entry("c1", { a: "2" })]);
    expect(await redis.pttl(m.bucketKey(contactKey(INSTANCE, "c1")))).toBeGreaterThan(700 * 24 * 3600 * 1000);
  });

  it("handles a batch of 10,000 in one call, in listpack buckets of a few bytes a contact", async () => {
    const m = memory("big", { bucketBits: 8 });
    const rows = Array.from({ length: 10_000 }, (_, i) => entry(randomUUID(), { n: String(i) }));
    expect(await m.remember(rows)).toBe(10_000);
    const changedHalf = rows.map((r, i) => (i % 2 ? r : entry(`other-${i}`, { n: String(i) })));
    const same = await m.unchanged(changedHalf);
    expect(same).toHaveLength(10_000);
    expect(same.every((s, i) => s === (i % 2 === 1))).toBe(true);
    const stats = await m.stats();
    expect(stats.buckets).toBe(256);
    expect(stats.contacts).toBe(10_000);
    expect(await redis.object("ENCODING", m.bucketKey(rows[0]!.contact))).toBe("listpack");
    // ~39 contacts a bucket: 18 bytes of listpack entry each plus a share of the key (measured: ~22).
    expect(stats.bytes / stats.contacts).toBeLessThan(30);
    const sampled = await m.stats({ sample: 32 });
    expect(Math.abs(sampled.bytes - stats.bytes) / stats.bytes).toBeLessThan(0.1);
  });

  it("packs a call's rows with up to 1,000 buckets of its own: every row answered for its own contact and value", async () => {
    // Default layout (65,536 buckets): nearly every row of a call is in a bucket of its own, so their index in
    // the call's keys runs past one byte; 2,500 rows go in three calls.
    const m = memory("wide");
    const rows = Array.from({ length: 2_500 }, (_, i) => entry(`wide-${i}`, { n: String(i) }));
    expect(await m.remember(rows)).toBe(2_500);
    // The later entry of a contact wins within a call too.
    await m.remember([entry("wide-4", { n: "first" }), entry("wide-4", { n: "4" })]);
    const asked = rows.map((r, i) => (i % 3 === 0 ? entry(`wide-${i}`, { n: `${i}!` }) : r));
    expect(await m.compare(asked)).toEqual(asked.map((_, i) => (i % 3 === 0 ? "differs" : "same")));
    expect(await m.compare([entry("never", { n: "1" })])).toEqual(["unknown"]);
  });

  it("names a bucket in its script as bucketKey does, whatever the width of its number (20 bits: 5 hex digits)", async () => {
    const m = memory("bits20", { bucketBits: 20 });
    const rows = Array.from({ length: 1_500 }, (_, i) => entry(`b20-${i}`, { n: String(i) }));
    expect(await m.remember(rows)).toBe(1_500);
    for (const r of [rows[0], rows[999], rows[1_000], rows[1_499]] as ChangeEntry[]) {
      const key = m.bucketKey(r.contact);
      expect(key).toMatch(/:[0-9a-f]{5}$/);
      expect(await redis.pttl(key)).toBeGreaterThan(700 * 24 * 3600 * 1000);
    }
    expect((await m.stats()).contacts).toBe(1_500);
    expect(await m.compare(rows.slice(995, 1_005))).toEqual(Array(10).fill("same"));
    await m.forgetContacts(rows.slice(0, 750).map((r) => r.contact as string));
    expect((await m.stats()).contacts).toBe(750);
    expect(await m.compare([rows[749] as ChangeEntry, rows[750] as ChangeEntry])).toEqual(["unknown", "same"]);
  });

  it("forget removes this job's memory only", async () => {
    const p = uniquePrefix();
    prefixes.push(p);
    const mine = new ChangeMemory(redis, `${p}:changed:job`);
    // Another job, one whose name extends this one's, and an unrelated key under the same prefix.
    const theirs = new ChangeMemory(redis, `${p}:changed:job2`);
    const nested = new ChangeMemory(redis, `${p}:changed:job:x`);
    const rows = Array.from({ length: 50 }, (_, i) => entry(`c${i}`, { v: "1" }));
    await Promise.all([mine.remember(rows), theirs.remember(rows), nested.remember(rows)]);
    await redis.set(`${p}:changed:job:notes`, "keep");
    const before = await mine.stats();
    expect(before.contacts).toBe(50);
    expect(await mine.forget()).toBe(before.buckets);
    expect(await mine.unchanged(rows)).toEqual(rows.map(() => false));
    expect(await mine.stats()).toEqual({ buckets: 0, contacts: 0, bytes: 0 });
    expect(await theirs.unchanged(rows)).toEqual(rows.map(() => true));
    expect(await nested.unchanged(rows)).toEqual(rows.map(() => true));
    expect(await redis.get(`${p}:changed:job:notes`)).toBe("keep");
    expect(await mine.forget()).toBe(0);
  });
});
