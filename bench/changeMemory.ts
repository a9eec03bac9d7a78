// The memory behind `onlyChanged` (issue 13): Redis bytes per contact for one job
// remembering 1M distinct contacts, and the speed of unchanged() in the worker's
// shape (batches of 500, one after the other). Standalone: `npx tsx bench/changeMemory.ts`
// (REDIS_URL, default redis://127.0.0.1:6379); from bench/index.ts: benchChangeMemory(redis).
import { randomBytes, randomUUID } from "node:crypto";
import { pathToFileURL } from "node:url";
import { Redis } from "ioredis";
import { ChangeMemory, type ChangeEntry } from "../src/store/changeMemory.js";
import { contactKey, fingerprint } from "../src/queue/fieldsFingerprint.js";
import { deletePrefix, median, REDIS_URL, table } from "./lib.js";

export interface ChangeMemoryBenchOptions {
  /** Distinct contacts remembered (default 1,000,000). */
  readonly contacts?: number;
  /** Rows looked up with unchanged() (default 100,000; half of them changed). */
  readonly lookups?: number;
  /** Rows per unchanged() call (default 500, a chunk). */
  readonly lookupBatch?: number;
  /** Rows per remember() call (default 10,000, the largest chunk). */
  readonly rememberBatch?: number;
}

export interface ChangeMemoryBenchResult {
  readonly contacts: number;
  readonly buckets: number;
  /** MEMORY USAGE summed over every bucket, per contact. */
  readonly bytesPerContact: number;
  /** INFO used_memory after minus before, per contact (includes the expiry entries; disturbed by anything else using this Redis meanwhile). */
  readonly usedMemoryBytesPerContact: number;
  /** Buckets still a listpack, and the fullest bucket's size. */
  readonly listpackBuckets: number;
  readonly maxBucketContacts: number;
  /** contactKey + fingerprint per second, one process. */
  readonly fingerprintsPerSecond: number;
  readonly rememberPerSecond: number;
  /** Rows answered by unchanged() per second, batches awaited one after the other. */
  readonly lookupsPerSecond: number;
  readonly lookupBatchMedianMs: number;
  readonly lookupBatchP99Ms: number;
  readonly forgetMs: number;
  /** The results as a markdown section. */
  readonly markdown: string;
}

const INSTANCE = "7c3f5a1e-9b2d-4e8f-a6c4-1d2e3f4a5b6c";

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info("memory"))?.[1] ?? 0);
}

export async function benchChangeMemory(redis: Redis, opts: ChangeMemoryBenchOptions = {}): Promise<ChangeMemoryBenchResult> {
  const n = opts.contacts ?? 1_000_000;
  const lookups = Math.min(n, opts.lookups ?? 100_000);
  const lookupBatch = opts.lookupBatch ?? 500;
  const rememberBatch = opts.rememberBatch ?? 10_000;
  const prefix = `bench-cm-${randomBytes(3).toString("hex")}`;
  const memory = new ChangeMemory(redis, `${prefix}:changed:nightly`);
  try {
    // 16 bytes a row in one buffer: a million Buffer objects would weigh more than Redis does.
    const keys = Buffer.alloc(n * 16);
    let t = performance.now();
    for (let i = 0; i < n; i++) {
      const contactId = randomUUID();
      keys.write(contactKey(INSTANCE, contactId), i * 16, 8, "hex");
      keys.write(
        fingerprint(INSTANCE, contactId, "UpdateContactAttributes", { crmStatus: "closed", tier: ["gold", "silver", "bronze"][i % 3], score: String(i % 100) }),
        i * 16 + 8,
        8,
        "hex",
      );
    }
    const fingerprintsPerSecond = n / ((performance.now() - t) / 1000);
    const entry = (i: number): ChangeEntry => ({ contact: keys.subarray(i * 16, i * 16 + 8), fp: keys.subarray(i * 16 + 8, i * 16 + 16) });

    const before = await usedMemory(redis);
    t = performance.now();
    for (let i = 0; i < n; i += rememberBatch) {
      const batch: ChangeEntry[] = [];
      for (let j = i; j < Math.min(n, i + rememberBatch); j++) batch.push(entry(j));
      await memory.remember(batch);
    }
    const rememberPerSecond = n / ((performance.now() - t) / 1000);
    const after = await usedMemory(redis);
    const stats = await memory.stats();
    if (stats.contacts !== n) throw new Error(`remembered ${stats.contacts} contacts of ${n}`);

    let listpackBuckets = 0;
    let maxBucketContacts = 0;
    const bucketKeys = new Set<string>();
    for (let i = 0; i < n; i++) bucketKeys.add(memory.bucketKey(keys.subarray(i * 16, i * 16 + 8)));
    const all = [...bucketKeys];
    for (let i = 0; i < all.length; i += 1000) {
      const p = redis.pipeline();
      for (const k of all.slice(i, i + 1000)) p.object("ENCODING", k).hlen(k);
      const replies = (await p.exec()) ?? [];
      for (let r = 0; r < replies.length; r += 2) {
        if (replies[r]?.[1] === "listpack") listpackBuckets++;
        maxBucketContacts = Math.max(maxBucketContacts, Number(replies[r + 1]?.[1] ?? 0));
      }
    }

    // Every other row carries a new value: both answers are looked up.
    const probe: ChangeEntry[] = [];
    for (let i = 0; i < lookups; i++) {
      const e = entry(i);
      probe.push(i % 2 ? e : { contact: e.contact, fp: randomBytes(8) });
    }
    const times: number[] = [];
    t = performance.now();
    for (let i = 0; i < lookups; i += lookupBatch) {
      const t0 = performance.now();
      const same = await memory.unchanged(probe.slice(i, i + lookupBatch));
      times.push(performance.now() - t0);
      same.forEach((s, j) => {
        if (s !== ((i + j) % 2 === 1)) throw new Error(`row ${i + j}: unchanged() answered ${s}`);
      });
    }
    const lookupsPerSecond = lookups / ((performance.now() - t) / 1000);
    times.sort((a, b) => a - b);

    t = performance.now();
    const removed = await memory.forget();
    const forgetMs = performance.now() - t;
    if (removed !== stats.buckets) throw new Error(`forget removed ${removed} keys of ${stats.buckets}`);

    const result = {
      contacts: n,
      buckets: stats.buckets,
      bytesPerContact: stats.bytes / n,
      usedMemoryBytesPerContact: (after - before) / n,
      listpackBuckets,
      maxBucketContacts,
      fingerprintsPerSecond,
      rememberPerSecond,
      lookupsPerSecond,
      lookupBatchMedianMs: median(times),
      lookupBatchP99Ms: times[Math.min(times.length - 1, Math.floor(times.length * 0.99))] ?? 0,
      forgetMs,
    };
    const f = (x: number, d = 0) => x.toLocaleString("en", { maximumFractionDigits: d, minimumFractionDigits: d });
    const markdown = `### Change memory (onlyChanged), ${f(n)} distinct contacts in one job

${table(
  ["measure", "value"],
  [
    ["buckets (2^16 possible)", f(result.buckets)],
    ["bytes per contact, MEMORY USAGE over all buckets", f(result.bytesPerContact, 1)],
    ["bytes per contact, INFO used_memory delta", f(result.usedMemoryBytesPerContact, 1)],
    ["buckets still listpack / fullest bucket", `${f(listpackBuckets)} / ${maxBucketContacts} contacts`],
    ["contactKey + fingerprint per second (one process)", f(fingerprintsPerSecond)],
    [`remember() rows per second (batches of ${f(rememberBatch)})`, f(rememberPerSecond)],
    [`unchanged() rows per second (${f(lookups)} rows, batches of ${lookupBatch}, half changed)`, f(lookupsPerSecond)],
    ["unchanged() batch latency, median / p99 (ms)", `${f(result.lookupBatchMedianMs, 2)} / ${f(result.lookupBatchP99Ms, 2)}`],
    ["forget() (ms)", f(forgetMs)],
  ],
)}
`;
    return { ...result, markdown };
  } finally {
    await deletePrefix(redis, prefix);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const redis = new Redis(REDIS_URL);
  try {
    const r = await benchChangeMemory(redis);
    console.log(r.markdown);
  } finally {
    await redis.quit();
  }
}
