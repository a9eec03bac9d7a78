import type { Redis } from "ioredis";
import { READABLE_MANIFEST_VERSIONS, type RunManifest } from "../domain/run/manifest.js";
import { guardPauseReason } from "../domain/run/nightGuards.js";
import { HELD_STATES, type RunProgress, type RunState } from "../domain/run/state.js";
import { STATUSES, type OutcomeStatus } from "../domain/Outcome.js";
import type { DryRunPlan } from "../domain/RunSummary.js";
import { type Keys, RUN } from "./keys.js";
import { ManifestVersionError } from "./ManifestVersionError.js";
import { streamRowsOf } from "./outcomeLog.js";

/**
 * KEYS[1] run hash; ARGV[1] now (epoch ms). Returns {state, stop reason} ('' for none); marks the run started
 * only in a state its chunks may be worked in (not held, cancelled or gone).
 */
const START_CHUNK = `
local s = redis.call('HMGET', KEYS[1], '${RUN.state}', '${RUN.stopReason}')
local state = s[1] or ''
if state ~= '' and ${[...HELD_STATES, "cancelled"].map((held) => `state ~= '${held}'`).join(" and ")} then
  redis.call('HSETNX', KEYS[1], '${RUN.startedAt}', ARGV[1])
  redis.call('HSET', KEYS[1], '${RUN.workerAt}', ARGV[1])
end
return {state, s[2] or ''}
`;

/** A run's manifest as stored, refused when another release's layout. */
function parseManifest(runId: string, raw: string): RunManifest {
  const m = JSON.parse(raw) as { version?: unknown };
  if (!READABLE_MANIFEST_VERSIONS.includes(m.version as number)) throw new ManifestVersionError(runId, m.version);
  return m as RunManifest;
}

/**
 * The runs on this Redis: each run's hash (manifest, state, the producer's
 * position, counters) and the index of runs. The outcome log, canary, parked
 * chunks and timeline live beside it, each in a file of its own.
 */
export class Runs {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Creates the run if it does not exist; returns the manifest in force (the existing one on resume). */
  async create(m: RunManifest): Promise<{ manifest: RunManifest; created: boolean }> {
    const key = this.keys.run(m.runId);
    // KEYS[1] run hash, KEYS[2] runs index; ARGV manifest, canary ("" for none), createdAt, runId, the pause of a
    // breached guard ("" for none). Returns 1 when created.
    // One script: a crash cannot leave a manifest without its state fields. The canary's allowance (taken by every
    // worker before a call, Canary.take) is set only with the manifest: a run that exists keeps its own, so going on
    // with a run whose canary was resumed never pauses it again. A night that breached its guards is born paused:
    // no worker, however many already run, ever sees it otherwise before `resume`.
    const res = await this.redis.eval(
      `if redis.call('HSETNX', KEYS[1], '${RUN.manifest}', ARGV[1]) == 0 then return 0 end
       if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], '${RUN.state}', 'paused', '${RUN.stopReason}', ARGV[5]) end
       redis.call('HSETNX', KEYS[1], '${RUN.state}', 'enqueuing')
       redis.call('HSETNX', KEYS[1], '${RUN.read}', 0)
       redis.call('HSETNX', KEYS[1], '${RUN.chunks}', 0)
       if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], '${RUN.canaryLeft}', ARGV[2]) end
       redis.call('ZADD', KEYS[2], 'NX', ARGV[3], ARGV[4])
       return 1`,
      2,
      key,
      this.keys.runs,
      JSON.stringify(m),
      m.canary ? String(m.canary) : "",
      m.createdAt,
      m.runId,
      m.night?.breach && !m.dryRun ? guardPauseReason(m.runId, m.night.breach) : "",
    );
    const created = Number(res) === 1;
    if (created) return { manifest: m, created };
    const existing = await this.manifest(m.runId);
    return { manifest: existing as RunManifest, created };
  }

  async manifest(runId: string): Promise<RunManifest | undefined> {
    const raw = await this.redis.hget(this.keys.run(runId), RUN.manifest);
    return raw ? parseManifest(runId, raw) : undefined;
  }

  /** Durable producer position: rows read and chunks queued, written after each queued batch. */
  /** Returns the run's state as of the write, so the producer sees a cancel without a round trip of its own. */
  async saveProducerPosition(
    runId: string,
    read: number,
    chunks: number,
    done: boolean,
    blankLines = 0,
    bytes?: { readonly read: number; readonly total: number },
  ): Promise<string> {
    const key = this.keys.run(runId);
    const fields: Array<string | number> = [RUN.read, read, RUN.chunks, chunks, RUN.blank, blankLines, RUN.producerAt, Date.now()];
    if (bytes) fields.push(RUN.bytesRead, bytes.read, RUN.bytesTotal, bytes.total);
    if (done) fields.push(RUN.producerDone, 1);
    const res = await this.redis
      .multi()
      .hset(key, ...fields)
      .hget(key, RUN.state)
      .exec();
    const state = String(res?.[1]?.[1] ?? "");
    // KEYS[1] run hash. Returns nothing. `enqueuing` → `queued`, leaving a cancel or a stop as it is.
    if (done)
      await this.redis.eval(`if redis.call('HGET', KEYS[1], '${RUN.state}') == 'enqueuing' then redis.call('HSET', KEYS[1], '${RUN.state}', 'queued') end`, 1, key);
    return state;
  }

  /** The producer is alive (it waits for room in its window): `status` tells a producer that died from one that waits. */
  async touchProducer(runId: string): Promise<void> {
    await this.redis.hset(this.keys.run(runId), RUN.producerAt, Date.now());
  }

  /** The producer stopped between two batches (its run paused or stopped, Ctrl-C): `resume` then says to start one. */
  async producerStopped(runId: string): Promise<void> {
    // KEYS[1] run hash; ARGV[1] now. A run gone from Redis is never written back.
    await this.redis.eval(
      `if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], '${RUN.producerStoppedAt}', ARGV[1]) end`,
      1,
      this.keys.run(runId),
      Date.now(),
    );
  }

  /**
   * A chunk starting: the run's state and stop reason, and, where the run may be worked (not held, cancelled
   * or gone), when work began and that a worker is on it now. Never recreates the hash of a run that is gone
   * (its keys would be orphans). One round trip: a chunk asked them one by one.
   */
  async startChunk(runId: string, at: number): Promise<{ state: string; stopReason: string | undefined }> {
    const [state, reason] = (await this.redis.eval(START_CHUNK, 1, this.keys.run(runId), at)) as [string, string];
    return { state, stopReason: reason === "" ? undefined : reason };
  }

  async state(runId: string): Promise<{ state: string; stopReason: string | undefined }> {
    const [state, reason] = await this.redis.hmget(this.keys.run(runId), RUN.state, RUN.stopReason);
    return { state: state ?? "", stopReason: reason ?? undefined };
  }

  /**
   * Cancels a run everywhere: workers that meet it write `cancelled` for rows
   * not yet sent and take no more of its chunks; the producer stops queueing.
   * A finished run is left as it is. Returns the state before.
   */
  async cancel(runId: string, reason: string): Promise<string> {
    // KEYS[1] run hash; ARGV[1] the reason. Returns the state before.
    const res = await this.redis.eval(
      `local s = redis.call('HGET', KEYS[1], '${RUN.state}') or ''
       if s ~= 'cancelled' then redis.call('HSET', KEYS[1], '${RUN.state}', 'cancelled', '${RUN.stopReason}', ARGV[1]) end
       return s`,
      1,
      this.keys.run(runId),
      reason,
    );
    return String(res);
  }

  async stop(runId: string, reason: string): Promise<void> {
    await this.redis.hset(this.keys.run(runId), RUN.state, "stopped", RUN.stopReason, reason);
  }

  /** Stops a run still going (enqueuing or queued): a cancel, a stop or a pause already there stays. A gone run stays gone. */
  async stopIfGoing(runId: string, reason: string): Promise<void> {
    // KEYS[1] run hash; ARGV[1] the reason.
    await this.redis.eval(
      `local s = redis.call('HGET', KEYS[1], '${RUN.state}')
       if s == 'enqueuing' or s == 'queued' then redis.call('HSET', KEYS[1], '${RUN.state}', 'stopped', '${RUN.stopReason}', ARGV[1]) end`,
      1,
      this.keys.run(runId),
      reason,
    );
  }

  /** Clears the stop and the breaker's memory (the operator fixed the cause), so workers take the run's chunks again. */
  /** Cancelled before the file was read to the end: `read` rows are the run, the rest of the file has no outcome. */
  async markCutShort(runId: string, read: number): Promise<void> {
    // KEYS[1] run hash; ARGV[1] rows read. A run gone from Redis is never written back.
    await this.redis.eval(`if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], '${RUN.cutShort}', ARGV[1]) end`, 1, this.keys.run(runId), read);
  }

  async clearStop(runId: string): Promise<void> {
    await this.redis
      .multi()
      .hset(this.keys.run(runId), RUN.state, "queued", RUN.breakerSent, 0, RUN.breakerFailed, 0, RUN.breakerConsecutive, 0, RUN.breakerAuth, 0)
      // A canary is over once resumed: the run goes on without pausing again.
      .hdel(this.keys.run(runId), RUN.stopReason, RUN.canaryLeft)
      .del(this.keys.breaker(runId), this.keys.breakerCodes(runId), this.keys.canaryLeases(runId), this.keys.canaryOpen(runId), this.keys.canaryFlying(runId))
      .exec();
  }

  async progress(runId: string): Promise<RunProgress | undefined> {
    const h = await this.redis.hgetall(this.keys.run(runId));
    const manifest = h[RUN.manifest];
    if (!manifest) return undefined;
    const num = (field: string) => Number(h[field] ?? 0);
    const optional = (field: string) => (h[field] ? Number(h[field]) : undefined);
    const counts = Object.fromEntries(STATUSES.map((s) => [s, num(RUN.countPrefix + s)])) as Record<OutcomeStatus, number>;
    const errorCodes: Record<string, number> = {};
    for (const [k, v] of Object.entries(h)) if (k.startsWith(RUN.errorPrefix)) errorCodes[k.slice(RUN.errorPrefix.length)] = Number(v);
    const done = STATUSES.reduce((n, s) => n + counts[s], 0);
    const read = num(RUN.read);
    const producerDone = h[RUN.producerDone] === "1";
    const canaryLeft = h[RUN.canaryLeft];
    return {
      manifest: parseManifest(runId, manifest),
      state: (h[RUN.state] ?? "queued") as RunState,
      stopReason: h[RUN.stopReason],
      producerDone,
      read,
      chunks: num(RUN.chunks),
      counts,
      done,
      pending: Math.max(0, read - done),
      errorCodes,
      requests: num(RUN.requests),
      throttled: num(RUN.throttled),
      planned: num(RUN.planned),
      canaryLeft: canaryLeft === undefined ? undefined : Number(canaryLeft),
      startedAt: optional(RUN.startedAt),
      lastAt: optional(RUN.lastAt),
      workerAt: optional(RUN.workerAt),
      bytesRead: optional(RUN.bytesRead),
      bytesTotal: optional(RUN.bytesTotal),
      producerAt: optional(RUN.producerAt),
      producerStoppedAt: optional(RUN.producerStoppedAt),
      blankLines: num(RUN.blank),
      complete: producerDone && done >= read,
      cutShort: h[RUN.cutShort] === undefined ? undefined : Number(h[RUN.cutShort]),
    };
  }

  /**
   * What the producer's window counts besides the queue: parked chunks (a stopped
   * or paused run) and outcomes not yet moved out by a report writer. One round trip.
   */
  async backlog(runId: string): Promise<{ parked: number; outcomes: number; state: string }> {
    const k = this.keys;
    const res = await this.redis.multi().llen(k.parked(runId)).xlen(k.outcomes(runId)).hmget(k.run(runId), RUN.state, RUN.streamRows).exec();
    const [state, streamRows] = (res?.[2]?.[1] ?? []) as Array<string | null>;
    return { parked: Number(res?.[0]?.[1] ?? 0), outcomes: streamRowsOf(res?.[1]?.[1], streamRows), state: String(state ?? "") };
  }

  /** A dry run's plan, kept with the run so `report` writes it again. */
  async saveDryRunPlan(runId: string, plan: DryRunPlan): Promise<void> {
    await this.redis.hset(this.keys.run(runId), RUN.plan, JSON.stringify(plan));
  }

  async dryRunPlan(runId: string): Promise<DryRunPlan | undefined> {
    const raw = await this.redis.hget(this.keys.run(runId), RUN.plan);
    return raw ? (JSON.parse(raw) as DryRunPlan) : undefined;
  }

  /** A dry run's calls, counted as chunks are planned. */
  async addPlanned(runId: string, calls: number): Promise<void> {
    if (calls > 0) await this.redis.hincrby(this.keys.run(runId), RUN.planned, calls);
  }

  /** Where the run's outcomes are kept once they leave Redis (host:path), for a `report` run elsewhere. */
  async noteSpool(runId: string, location: string): Promise<void> {
    await this.redis.hset(this.keys.run(runId), RUN.spool, location);
  }

  async spoolLocation(runId: string): Promise<string | undefined> {
    return (await this.redis.hget(this.keys.run(runId), RUN.spool)) ?? undefined;
  }

  /** Removes everything a run keeps in Redis except its BullMQ queue (prune removes that). */
  async remove(runId: string): Promise<void> {
    const k = this.keys;
    await this.redis
      .multi()
      .del(
        k.run(runId),
        k.outcomes(runId),
        k.done(runId),
        k.parked(runId),
        k.timeline(runId),
        k.breaker(runId),
        k.breakerCodes(runId),
        k.beforeImages(runId),
        k.canaryLeases(runId),
        k.canaryOpen(runId),
        k.canaryFlying(runId),
        k.sending(runId),
        k.pace(runId),
      )
      .zrem(k.runs, runId)
      .exec();
  }

  /** Known runs, newest first. */
  async list(limit = 50): Promise<string[]> {
    return this.redis.zrevrange(this.keys.runs, 0, limit - 1);
  }
}
