import type { Redis } from "ioredis";
import type { SourceShape } from "../input/openSource.js";
import { encodeOutcome } from "../report/outcomeCodec.js";
import { STATUSES, type Outcome, type OutcomeStatus } from "../report/Outcome.js";
import type { ChunkJobData } from "./ChunkJob.js";
import type { Keys } from "./keys.js";

/** What every worker must know about a run to process its rows the same way. */
export interface RunManifest {
  readonly runId: string;
  readonly input: string;
  readonly shape: SourceShape;
  readonly defaultInstanceId: string | undefined;
  readonly minContactDate: number;
  readonly chunkSize: number;
  readonly createdAt: number;
  readonly parentRunId: string | undefined;
  readonly breakerWindow: number;
  readonly breakerRatio: number;
}

export type RunState = "enqueuing" | "queued" | "stopped";

export interface RunProgress {
  readonly manifest: RunManifest;
  readonly state: RunState;
  readonly stopReason: string | undefined;
  readonly producerDone: boolean;
  /** Rows read from the file so far (all of them once the producer is done). */
  readonly read: number;
  readonly chunks: number;
  readonly counts: Record<OutcomeStatus, number>;
  readonly done: number;
  readonly pending: number;
  readonly errorCodes: Record<string, number>;
  readonly requests: number;
  readonly throttled: number;
  readonly startedAt: number | undefined;
  readonly complete: boolean;
}

/**
 * Records outcomes atomically. A bit per line (SETBIT returns the old bit) makes
 * the first outcome of a row the only one: a chunk that runs again after a crash
 * cannot report a row twice, and a million rows cost 125 KB. The outcome itself
 * goes to the run's stream, from which the report writer moves it to disk and
 * trims it, so Redis holds only what is not yet written out. Counters move in the
 * same script so they always agree with the outcomes.
 * Also the circuit breaker: among the first `window` attempted rows, once
 * `ratio` of the window failed permanently, the run is stopped.
 * KEYS: done bitmap, run hash, outcome stream. ARGV: window, ratio, then 7 per row:
 * line, encoded, status, errorCode, requests, throttles, flag (0 not sent, 1 sent, 2 sent and failed permanently).
 */
const RECORD = `
local window = tonumber(ARGV[1])
local ratio = tonumber(ARGV[2])
local added = 0
for i = 3, #ARGV, 7 do
  if redis.call('SETBIT', KEYS[1], tonumber(ARGV[i]), 1) == 0 then
    added = added + 1
    redis.call('XADD', KEYS[3], '*', 'o', ARGV[i + 1])
    redis.call('HINCRBY', KEYS[2], 'c:' .. ARGV[i + 2], 1)
    if ARGV[i + 3] ~= '' then redis.call('HINCRBY', KEYS[2], 'e:' .. ARGV[i + 3], 1) end
    local req = tonumber(ARGV[i + 4])
    if req > 0 then redis.call('HINCRBY', KEYS[2], 'requests', req) end
    local thr = tonumber(ARGV[i + 5])
    if thr > 0 then redis.call('HINCRBY', KEYS[2], 'throttled', thr) end
    local flag = tonumber(ARGV[i + 6])
    if flag > 0 then
      local attempted = redis.call('HINCRBY', KEYS[2], 'attempted', 1)
      if flag == 2 and attempted <= window then
        local perm = redis.call('HINCRBY', KEYS[2], 'earlyPermanent', 1)
        if perm >= math.ceil(window * ratio) and redis.call('HGET', KEYS[2], 'state') ~= 'stopped' then
          redis.call('HSET', KEYS[2], 'state', 'stopped', 'stopReason',
            'circuit breaker: ' .. perm .. ' of the first ' .. attempted .. ' rows sent failed permanently')
        end
      end
    end
  end
end
return {added, redis.call('HGET', KEYS[2], 'state') or ''}
`;

/** How a row's outcome bears on the circuit breaker. */
export type SendFlag = 0 | 1 | 2;

export interface RecordedOutcome {
  readonly outcome: Outcome;
  readonly flag: SendFlag;
}

type RecordCmd = (k1: string, k2: string, k3: string, ...args: Array<string | number>) => Promise<[number, string]>;

export class RunStore {
  private readonly redis: Redis & { cbRecord?: RecordCmd };

  constructor(
    redis: Redis,
    readonly keys: Keys,
  ) {
    this.redis = redis as RunStore["redis"];
    if (!this.redis.cbRecord) redis.defineCommand("cbRecord", { numberOfKeys: 3, lua: RECORD });
  }

  /** Creates the run if it does not exist; returns the manifest in force (the existing one on resume). */
  async create(m: RunManifest): Promise<{ manifest: RunManifest; created: boolean }> {
    const key = this.keys.run(m.runId);
    // One MULTI: a crash cannot leave a manifest without its state fields.
    const res = await this.redis
      .multi()
      .hsetnx(key, "manifest", JSON.stringify(m))
      .hsetnx(key, "state", "enqueuing")
      .hsetnx(key, "read", 0)
      .hsetnx(key, "chunks", 0)
      .zadd(this.keys.runs, "NX", m.createdAt, m.runId)
      .exec();
    const created = res?.[0]?.[1] === 1;
    if (created) return { manifest: m, created };
    const existing = await this.manifest(m.runId);
    return { manifest: existing as RunManifest, created };
  }

  async manifest(runId: string): Promise<RunManifest | undefined> {
    const raw = await this.redis.hget(this.keys.run(runId), "manifest");
    return raw ? (JSON.parse(raw) as RunManifest) : undefined;
  }

  /** Durable producer position: rows read and chunks queued, written after each queued batch. */
  async saveProducerPosition(runId: string, read: number, chunks: number, done: boolean): Promise<void> {
    const key = this.keys.run(runId);
    const fields: Array<string | number> = ["read", read, "chunks", chunks];
    if (done) fields.push("producerDone", 1);
    await this.redis.hset(key, ...fields);
    if (done) await this.redis.eval(`if redis.call('HGET', KEYS[1], 'state') == 'enqueuing' then redis.call('HSET', KEYS[1], 'state', 'queued') end`, 1, key);
  }

  async markStarted(runId: string, at: number): Promise<void> {
    await this.redis.hsetnx(this.keys.run(runId), "startedAt", at);
  }

  /** Writes outcomes; returns how many were new and the run's state afterwards. */
  async record(runId: string, rows: readonly RecordedOutcome[], breaker: { window: number; ratio: number }): Promise<{ added: number; state: string }> {
    if (rows.length === 0) return { added: 0, state: "" };
    const args: Array<string | number> = [breaker.window, breaker.ratio];
    for (const { outcome: o, flag } of rows) {
      args.push(o.line, encodeOutcome(o), o.status, o.errorCode, o.attempts, o.throttles, flag);
    }
    const [added, state] = await (this.redis.cbRecord as RecordCmd)(this.keys.done(runId), this.keys.run(runId), this.keys.outcomes(runId), ...args);
    return { added: Number(added), state };
  }

  /** Lines among `lines` that already have an outcome. */
  async finished(runId: string, lines: readonly number[]): Promise<Set<number>> {
    if (lines.length === 0) return new Set();
    const key = this.keys.done(runId);
    const pipe = this.redis.pipeline();
    for (const l of lines) pipe.getbit(key, l);
    const res = (await pipe.exec()) ?? [];
    const done = new Set<number>();
    res.forEach(([err, bit], i) => {
      if (err) throw err;
      if (bit === 1) done.add(lines[i] as number);
    });
    return done;
  }

  /** Outcomes not yet written out, oldest first, after stream id `after`. */
  async pendingOutcomes(runId: string, after: string, count: number): Promise<Array<{ id: string; encoded: string }>> {
    const res = await this.redis.xrange(this.keys.outcomes(runId), `(${after}`, "+", "COUNT", count);
    return res.map(([id, fields]) => ({ id, encoded: fields[1] as string }));
  }

  /** Drops outcomes up to and including `upto`: they are safely on disk. */
  async trimOutcomes(runId: string, upto: string): Promise<void> {
    // MINID keeps ids >= the given one; trimming to the next id drops `upto` too.
    const [ms, seq] = upto.split("-").map(Number) as [number, number];
    await this.redis.xtrim(this.keys.outcomes(runId), "MINID", `${ms}-${seq + 1}`);
  }

  async state(runId: string): Promise<{ state: string; stopReason: string | undefined }> {
    const [state, reason] = await this.redis.hmget(this.keys.run(runId), "state", "stopReason");
    return { state: state ?? "", stopReason: reason ?? undefined };
  }

  async stop(runId: string, reason: string): Promise<void> {
    await this.redis.hset(this.keys.run(runId), "state", "stopped", "stopReason", reason);
  }

  async progress(runId: string): Promise<RunProgress | undefined> {
    const h = await this.redis.hgetall(this.keys.run(runId));
    if (!h.manifest) return undefined;
    const counts = Object.fromEntries(STATUSES.map((s) => [s, Number(h[`c:${s}`] ?? 0)])) as Record<OutcomeStatus, number>;
    const errorCodes: Record<string, number> = {};
    for (const [k, v] of Object.entries(h)) if (k.startsWith("e:")) errorCodes[k.slice(2)] = Number(v);
    const done = STATUSES.reduce((n, s) => n + counts[s], 0);
    const read = Number(h.read ?? 0);
    const producerDone = h.producerDone === "1";
    return {
      manifest: JSON.parse(h.manifest) as RunManifest,
      state: (h.state ?? "queued") as RunState,
      stopReason: h.stopReason,
      producerDone,
      read,
      chunks: Number(h.chunks ?? 0),
      counts,
      done,
      pending: Math.max(0, read - done),
      errorCodes,
      requests: Number(h.requests ?? 0),
      throttled: Number(h.throttled ?? 0),
      startedAt: h.startedAt ? Number(h.startedAt) : undefined,
      complete: producerDone && done >= read,
    };
  }

  /** Keeps a stopped run's chunk until `resume`; rows already done are skipped when it runs again. */
  async park(chunk: ChunkJobData): Promise<void> {
    await this.redis.rpush(this.keys.parked(chunk.runId), JSON.stringify(chunk));
  }

  /** A stopped run's parked chunks, oldest first (they stay parked until `dropParked`). */
  async parked(runId: string): Promise<ChunkJobData[]> {
    const items = await this.redis.lrange(this.keys.parked(runId), 0, -1);
    return items.map((i) => JSON.parse(i) as ChunkJobData);
  }

  /** Clears the stop (and the breaker's count), so workers take the run's chunks again. */
  async clearStop(runId: string): Promise<void> {
    await this.redis
      .multi()
      .hset(this.keys.run(runId), "state", "queued", "attempted", 0, "earlyPermanent", 0)
      .hdel(this.keys.run(runId), "stopReason")
      .exec();
  }

  /** Drops the first `count` parked chunks: they are queued again. */
  async dropParked(runId: string, count: number): Promise<void> {
    await this.redis.ltrim(this.keys.parked(runId), count, -1);
  }

  /** Calls per second over the run: [unix second, successful, throttled], in time order. */
  async timeline(runId: string): Promise<Array<[number, number, number]>> {
    const h = await this.redis.hgetall(this.keys.timeline(runId));
    const bySec = new Map<number, [number, number, number]>();
    for (const [field, value] of Object.entries(h)) {
      const [sec, kind] = field.split(":") as [string, string];
      const s = Number(sec);
      const entry = bySec.get(s) ?? [s, 0, 0];
      if (kind === "ok") entry[1] += Number(value);
      else entry[2] += Number(value);
      bySec.set(s, entry);
    }
    return [...bySec.values()].sort((a, b) => a[0] - b[0]);
  }

  /** Known runs, newest first. */
  async list(limit = 50): Promise<string[]> {
    return this.redis.zrevrange(this.keys.runs, 0, limit - 1);
  }

}
