import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { type ChangeEntry, checked, first32, packRows, ROW_BYTES } from "./changeRows.js";
import { changedBucket } from "./keys.js";

export type { ChangeEntry };

export interface ChangeMemoryOptions {
  /**
   * log2 of the number of buckets (default 16: 65,536). Part of the layout: a job
   * that changes it finds none of its memory (its rows look changed once, then are
   * remembered again; the old buckets expire). Raise it for jobs of more than ~5M contacts.
   */
  readonly bucketBits?: number;
  /** Expiry of a bucket, refreshed on every write (default 731 days: Connect keeps contacts 24 months). */
  readonly ttlMs?: number;
}

export interface ChangeMemoryStats {
  /** Bucket keys the job holds. */
  readonly buckets: number;
  /** Contacts remembered (HLEN summed over the buckets). */
  readonly contacts: number;
  /** MEMORY USAGE summed over the buckets (over a sample of them, scaled up, when `sample` is smaller than `buckets`). */
  readonly bytes: number;
}

/** 24 months is at most 731 days (two years, one of them leap). */
export const CHANGE_MEMORY_TTL_MS = 731 * 24 * 3600 * 1000;
const DEFAULT_BUCKET_BITS = 16;
/** Rows per script call: a call of 10,000 rows would hold Redis for ~10 ms; several calls still go in one round trip. */
const ROWS_PER_CALL = 1000;
/** Bucket suffixes are lowercase hex (up to 24 bits); anything else under the prefix belongs to someone else. */
const BUCKET_SUFFIX = /^[0-9a-f]{1,6}$/;

/**
 * The buckets of a call's rows, named from their text (packRows): ARGV[1] the buckets' common prefix, ARGV[2] their
 * hex suffixes, `width` digits each. Why not one KEYS entry each: a call of 1,000 rows names ~1,000 buckets, and the
 * client wrote each as an argument of its own (~1 µs apiece: a 100k-row unchanged night spent ~0.25 s there). The
 * one declared key (KEYS[1], the first row's bucket) routes the call in a Redis Cluster; every bucket of a job shares
 * its memory's prefix, and so its hash tag and slot, as BullMQ's own scripts' keys share theirs.
 */
const BUCKETS = `
local bucketPrefix, bucketList, width = ARGV[1], ARGV[2], tonumber(ARGV[3])
local named = {}
local function bucket(i)
  local key = named[i]
  if not key then
    key = bucketPrefix .. string.sub(bucketList, (i - 1) * width + 1, i * width)
    named[i] = key
  end
  return key
end
`;

/**
 * ARGV: [1..3] the buckets (BUCKETS), [4] the asking run's tag ("" for none), [5] the packed rows. Returns:
 * a string of one character per row, '1' where the bucket holds that fingerprint for that contact,
 * remembered by another run than the asking one (a value is the fingerprint, then the tag of the run that
 * remembered it; values without a tag are an earlier run's); '2' where it holds something else for the
 * contact, '0' where it holds nothing (a night's guards tell the two).
 */
const SAME = `${BUCKETS}
local tag = ARGV[4]
local rows = ARGV[5]
local out = {}
for p = 1, #rows, ${ROW_BYTES} do
  local hi, lo = string.byte(rows, p, p + 1)
  local v = redis.call('HGET', bucket(hi * 256 + lo), string.sub(rows, p + 2, p + 7))
  out[#out + 1] = (v and string.sub(v, 1, 8) == string.sub(rows, p + 8, p + 15) and (tag == '' or string.sub(v, 9) ~= tag)) and '1' or (v and '2' or '0')
end
return table.concat(out)
`;

/**
 * ARGV: [1..3] the buckets (BUCKETS), [4] expiry (ms), [5] the remembering run's tag, [6] the packed rows.
 * Returns: how many contacts were new to the memory. Later rows of the same contact win (file order).
 */
const REMEMBER = `${BUCKETS}
local added = 0
local rows = ARGV[6]
for p = 1, #rows, ${ROW_BYTES} do
  local hi, lo = string.byte(rows, p, p + 1)
  added = added + redis.call('HSET', bucket(hi * 256 + lo), string.sub(rows, p + 2, p + 7), string.sub(rows, p + 8, p + 15) .. ARGV[5])
end
for k = 1, #bucketList / width do redis.call('PEXPIRE', bucket(k), ARGV[4]) end
return added
`;

/** ARGV: [1..3] the buckets (BUCKETS), [4] the packed rows (their fingerprints unread). Each row's contact is forgotten. */
const FORGET = `${BUCKETS}
local rows = ARGV[4]
for p = 1, #rows, ${ROW_BYTES} do
  local hi, lo = string.byte(rows, p, p + 1)
  redis.call('HDEL', bucket(hi * 256 + lo), string.sub(rows, p + 2, p + 7))
end
return 0
`;

/** The fingerprint a forgotten contact's row is packed with: never read. */
const NO_FP = "0000000000000000";

type Cmd<T> = (...keysAndArgs: Array<string | number | Buffer>) => Promise<T>;

/**
 * What a job last sent successfully to each contact, for `onlyChanged`: a row whose
 * fingerprint equals the remembered one is `unchanged` and never sent.
 *
 * Layout, per job (`prefix`, e.g. `cb:changed:<job>`): the classic small-hash
 * bucketing. The contact key's top `bucketBits` bits name the bucket, a hash at
 * `<prefix>:<bucket in hex>`; its field is bytes 2..7 of the contact key (6 bytes,
 * binary), its value the 8-byte fingerprint (binary). While a hash has at most
 * `hash-max-listpack-entries` fields (128 by default in Redis 7) it is one listpack:
 * ~18 bytes a contact (8 + 10 with the entries' length bytes) plus the key's own
 * ~100 bytes shared by the bucket's contacts, instead of ~70 a contact for a key
 * or a hashtable field of its own.
 *
 * Why a fixed 2^16 buckets: a bucket count that grew with the job would move every
 * contact to another bucket (a rehash of millions of fields) or need a directory;
 * a fixed one needs nothing, and 2^16 suits the sizes jobs have. Contacts spread
 * over the buckets as a Poisson count, so at 1M contacts buckets hold ~15 (≈ 25–30
 * bytes a contact), and every bucket stays a listpack up to ~5M contacts (mean 80:
 * the fullest of 65,536 buckets still under 128). Beyond that the fullest buckets
 * turn into hashtables one by one (a quarter of them at 8M, half at 8.4M): still correct, but ~70
 * bytes for each contact in those; `bucketBits: 17` doubles every figure. A small
 * job pays for its own few keys: 10,000 contacts are ~1 MB.
 *
 * Expiry: every bucket written expires 24 months after its last write (PEXPIRE in
 * the same script). A bucket that expires was last written 24 months ago, so each
 * contact in it was sent at least 24 months ago and started before that: Connect
 * no longer holds it, and its memory could only ever answer for rows that cannot be sent.
 *
 * Many workers, processes and hosts may use one job's memory at once: each script
 * is atomic, and fingerprints only ever get replaced. Two workers remembering the
 * same contact at the same moment is a last-writer-wins race that is harmless:
 * both wrote values that were successfully sent to that contact, and the worker
 * applies a contact's rows in file order (domain/groupAndFold.ts), so the later row's
 * write is also the later remember. A fingerprint includes instance and contact
 * (fieldsFingerprint.ts), so two contacts sharing a field can only make a row look
 * changed (sent once more), never unchanged.
 *
 * In Redis Cluster the scripts need the buckets in one slot: a hash-tagged prefix
 * (`{cb}:changed:<job>`), as keys.ts recommends for all our keys.
 */
export class ChangeMemory {
  private readonly redis: Redis & { cbChangeSame?: Cmd<string>; cbChangeRemember?: Cmd<number>; cbChangeForget?: Cmd<number> };
  readonly bucketBits: number;
  readonly ttlMs: number;
  private readonly hexWidth: number;

  constructor(
    redis: Redis,
    readonly prefix: string,
    options: ChangeMemoryOptions = {},
  ) {
    if (typeof prefix !== "string" || prefix === "") throw new TypeError(`ChangeMemory: prefix must be a non-empty string, got ${JSON.stringify(prefix)}`);
    const bits = options.bucketBits ?? DEFAULT_BUCKET_BITS;
    if (!Number.isInteger(bits) || bits < 1 || bits > 24) throw new RangeError(`ChangeMemory: bucketBits must be an integer from 1 to 24, got ${bits}`);
    const ttl = options.ttlMs ?? CHANGE_MEMORY_TTL_MS;
    if (!Number.isInteger(ttl) || ttl <= 0) throw new RangeError(`ChangeMemory: ttlMs must be a positive integer, got ${ttl}`);
    this.bucketBits = bits;
    this.ttlMs = ttl;
    this.hexWidth = Math.ceil(bits / 4);
    this.redis = redis as ChangeMemory["redis"];
    if (!this.redis.cbChangeSame) {
      redis.defineCommand("cbChangeSame", { numberOfKeys: 1, lua: SAME });
      redis.defineCommand("cbChangeRemember", { numberOfKeys: 1, lua: REMEMBER });
      redis.defineCommand("cbChangeForget", { numberOfKeys: 1, lua: FORGET });
    }
  }

  /** The bucket key holding a contact. */
  bucketKey(contact: Buffer | string): string {
    return this.keyOf(first32(checked(contact, "contact")) >>> (32 - this.bucketBits));
  }

  /**
   * For each entry, whether its fingerprint is the one remembered for its contact. One round trip.
   * `runId`: the asking run; what that same run remembered does not count (a call of the run whose worker
   * died before its outcome was written must not make the row look unchanged when it is taken up again).
   */
  async unchanged(entries: readonly ChangeEntry[], runId?: string): Promise<boolean[]> {
    return (await this.compare(entries, runId)).map((c) => c === "same");
  }

  /** For each entry: its fingerprint is the one remembered (`same`), another one is (`differs`), or none is (`unknown`). One round trip. */
  async compare(entries: readonly ChangeEntry[], runId?: string): Promise<Array<"same" | "differs" | "unknown">> {
    const calls: Array<Promise<string>> = [];
    const tag = runId === undefined ? "" : runTag(runId);
    for (let i = 0; i < entries.length; i += ROWS_PER_CALL) {
      const { key, buckets, rows } = this.scriptArgs(entries, i, Math.min(entries.length, i + ROWS_PER_CALL));
      calls.push((this.redis.cbChangeSame as Cmd<string>)(key, ...buckets, tag, rows));
    }
    const out: Array<"same" | "differs" | "unknown"> = [];
    for (const same of await Promise.all(calls)) for (const c of same) out.push(c === "1" ? "same" : c === "2" ? "differs" : "unknown");
    return out;
  }

  /**
   * Remembers the entries as sent; call it only for rows whose call succeeded. Later
   * entries of a contact win. One round trip. Returns how many contacts were new.
   */
  async remember(entries: readonly ChangeEntry[], runId?: string): Promise<number> {
    const calls: Array<Promise<number>> = [];
    const tag = runId === undefined ? "" : runTag(runId);
    for (let i = 0; i < entries.length; i += ROWS_PER_CALL) {
      const { key, buckets, rows } = this.scriptArgs(entries, i, Math.min(entries.length, i + ROWS_PER_CALL));
      calls.push((this.redis.cbChangeRemember as Cmd<number>)(key, ...buckets, this.ttlMs, tag, rows));
    }
    // Sequential in Redis (one connection, in order), so within a batch the later entry of a contact wins.
    return (await Promise.all(calls)).reduce((a, b) => a + Number(b), 0);
  }

  /**
   * Forgets what was remembered for these contacts (their contact keys). Done before a call goes: a call whose
   * answer never comes (a timeout, a worker killed) may have been applied, and until one is answered the memory
   * must not say what the contact holds (a night that puts the old value back would be judged unchanged).
   */
  async forgetContacts(contacts: readonly string[]): Promise<void> {
    const calls: Array<Promise<number>> = [];
    const entries = contacts.map((contact) => ({ contact, fp: NO_FP }));
    for (let i = 0; i < entries.length; i += ROWS_PER_CALL) {
      const { key, buckets, rows } = this.scriptArgs(entries, i, Math.min(entries.length, i + ROWS_PER_CALL));
      calls.push((this.redis.cbChangeForget as Cmd<number>)(key, ...buckets, rows));
    }
    await Promise.all(calls);
  }

  /** Deletes all of the job's memory; returns the number of bucket keys removed. */
  async forget(): Promise<number> {
    let removed = 0;
    for await (const keys of this.scanBuckets()) removed += await this.redis.unlink(...keys);
    return removed;
  }

  /** Buckets, contacts and bytes of the job's memory; `sample` limits MEMORY USAGE to that many buckets (spread evenly). */
  async stats(opts: { sample?: number } = {}): Promise<ChangeMemoryStats> {
    const keys: string[] = [];
    for await (const batch of this.scanBuckets()) keys.push(...batch);
    const sample = Math.max(0, Math.min(keys.length, opts.sample ?? keys.length));
    const measure = new Set<number>();
    for (let s = 0; s < sample; s++) measure.add(Math.floor((s * keys.length) / sample));
    let contacts = 0;
    let bytes = 0;
    for (let i = 0; i < keys.length; i += 1000) {
      const p = this.redis.pipeline();
      const isUsage: boolean[] = [];
      for (let j = i; j < Math.min(keys.length, i + 1000); j++) {
        p.hlen(keys[j] as string);
        isUsage.push(false);
        if (measure.has(j)) {
          // SAMPLES 0: every field counted, exact for hashtable buckets too.
          p.memory("USAGE", keys[j] as string, "SAMPLES", 0);
          isUsage.push(true);
        }
      }
      const replies = (await p.exec()) ?? [];
      replies.forEach(([err, v], r) => {
        if (err) throw err;
        // A bucket that expired between SCAN and here answers 0 and null.
        if (isUsage[r]) bytes += Number(v ?? 0);
        else contacts += Number(v);
      });
    }
    return { buckets: keys.length, contacts, bytes: sample > 0 ? Math.round((bytes * keys.length) / sample) : 0 };
  }

  private async *scanBuckets(): AsyncGenerator<string[]> {
    const match = changedBucket(this.prefix.replace(/[*?[\]\\]/g, "\\$&"), "*");
    const from = this.prefix.length + 1;
    // SCAN is per server: on a Redis Cluster ioredis sends it to any one master, so each master is scanned.
    const cluster = this.redis as unknown as { isCluster?: boolean; nodes?: (role: "master") => Redis[] };
    const servers = cluster.isCluster && cluster.nodes ? cluster.nodes("master") : [this.redis];
    for (const server of servers) {
      let cursor = "0";
      do {
        const [next, found] = await server.scan(cursor, "MATCH", match, "COUNT", 1000);
        cursor = next;
        // MATCH also finds keys of a job whose name extends this one's (`<job>:x:…`); their suffix is not a bucket's.
        const mine = found.filter((k) => BUCKET_SUFFIX.test(k.slice(from)));
        if (mine.length > 0) yield mine;
      } while (cursor !== "0");
    }
  }

  /** Entries [from, to) as a script takes them: its declared key, the buckets (BUCKETS's three arguments) and the rows packed. */
  private scriptArgs(entries: readonly ChangeEntry[], from: number, to: number): { key: string; buckets: [string, string, number]; rows: Buffer } {
    const { first, buckets, rows } = packRows(entries, from, to, this.bucketBits, this.hexWidth);
    return { key: changedBucket(this.prefix, first), buckets: [changedBucket(this.prefix, ""), buckets, this.hexWidth], rows };
  }

  /** A bucket's key. */
  private keyOf(bucket: number): string {
    return changedBucket(this.prefix, bucket.toString(16).padStart(this.hexWidth, "0"));
  }
}

/**
 * Two bytes naming the run that remembered a value: enough to tell a run's own writes from an earlier
 * run's (two runs sharing a tag, one chance in 65,536, only make a row look changed: sent once more).
 */
export function runTag(runId: string): Buffer {
  return createHash("sha256").update(runId).digest().subarray(0, 2);
}
