import type { ColumnPlan } from "../domain/originalOf.js";
import type { ColumnMapping } from "../input/columnRoles.js";
import type { OperationName } from "../operations/Operation.js";
import type { Redis } from "ioredis";
import type { SourceShape } from "../input/openSource.js";
import { encodeOutcome } from "../report/outcomeCodec.js";
import { STATUSES, type Outcome, type OutcomeStatus } from "../report/Outcome.js";
import type { DryRunPlan } from "../report/RunSummary.js";
import type { ChunkJobData } from "./ChunkJob.js";
import type { Keys } from "./keys.js";

/** The circuit breaker's rules for one run; every worker reads them from the manifest. */
export interface BreakerSettings {
  /** Sliding window: the last `window` rows sent... */
  readonly window: number;
  /** ...of which more than this share failed stops the run (once `window` rows were sent). */
  readonly ratio: number;
  /** Rows failed with credential errors that stop the run. */
  readonly auth: number;
  /** Consecutive rows failed without a service answer that stop the run. */
  readonly consecutive: number;
  /** Error codes left out of the breaker's reckoning. */
  readonly ignore: readonly string[];
}

/** Contacts older than this are skipped; null: no limit. Mirrors config's ContactAge. */
export type MaxContactAge = { readonly unit: "months" | "days"; readonly n: number } | null;

/** What every worker must know about a run to process its rows the same way. */
/** A run that belongs to a job (a job file, or `--job-name`): its change memory, history and notification are the job's. */
export interface RunJob {
  readonly name: string;
  /** Rows equal to what the job last sent for their contact are `unchanged`, not sent. */
  readonly onlyChanged: boolean;
  /** A webhook told when the run ends. */
  readonly notify?: string | undefined;
}

export interface RunManifest {
  /** Set for a job's runs. */
  readonly job?: RunJob;
  /** A job's CSV column mapping: a producer going on with the run reads the file with it again. */
  readonly mapping?: ColumnMapping;
  /** A CSV run's columns: where a queued row's cells go, to give a failed row back as the file had it. */
  readonly columns?: ColumnPlan;
  /** The contact operation every row of the run applies; absent: UpdateContactAttributes (runs queued before operations existed). */
  readonly operation?: OperationName;
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
  /** Absent in manifests written before they existed: defaults apply (breakerOf). */
  readonly breakerAuth?: number;
  readonly breakerConsecutive?: number;
  readonly breakerIgnore?: readonly string[];
  readonly maxContactAge?: MaxContactAge;
  /** fileFingerprint of the input when queued: a reused run id on a changed file is refused. */
  readonly fingerprint?: string;
  /** The run's own BullMQ queue (absent: a run from before per-run queues, in the shared one). */
  readonly queue?: string;
  /** Where the run's calls must go; workers aimed elsewhere leave it alone (absent: any worker). */
  readonly target?: RunTarget;
  /** `--dry-run`: rows are checked and planned in the producer, never queued, never sent. */
  readonly dryRun?: boolean;
  /** `--canary N`: the run pauses once N rows that need a call were sent (until `resume`). */
  readonly canary?: number;
  /** `--capture-before`: each call reads the contact's attributes first and keeps them with the outcome. */
  readonly captureBefore?: boolean;
  /** `--lookup-start-time`: rows without initiationTimestamp get the contact's start from DescribeContact. */
  readonly lookupStartTime?: boolean;
  /** `--follow-initial`: a row naming a later leg of a contact is sent to the chain's initial contact. */
  readonly followInitial?: boolean;
  /** Set on the runs `rollback` makes: the run whose writes they undo. */
  readonly rollbackOf?: string;
}

/**
 * The Connect endpoint and Region a run was queued for, as far as the operator
 * gave them (flags or the standard AWS variables); undefined means the AWS
 * default for the endpoint, unknown for the Region.
 */
export interface RunTarget {
  readonly endpoint: string | undefined;
  readonly region: string | undefined;
}

/** Never print a secret that an endpoint URL might carry. */
function withoutUserinfo(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.toString();
  } catch {
    return url;
  }
}

/** Why a worker aimed at `mine` must not work a run queued for `theirs`, or undefined when it may. */
export function targetMismatch(theirs: RunTarget | undefined, mine: RunTarget): string | undefined {
  if (!theirs) return undefined;
  const norm = (e: string | undefined) => (e ? withoutUserinfo(e).replace(/\/+$/, "").toLowerCase() : "the AWS default endpoint");
  if (norm(theirs.endpoint) !== norm(mine.endpoint)) return `it was queued for ${norm(theirs.endpoint)}, this worker calls ${norm(mine.endpoint)}`;
  if (theirs.region && mine.region && theirs.region !== mine.region) return `it was queued for Region ${theirs.region}, this worker calls ${mine.region}`;
  return undefined;
}

export function breakerOf(m: RunManifest | undefined): BreakerSettings {
  return {
    window: m?.breakerWindow ?? 1000,
    ratio: m?.breakerRatio ?? 0.5,
    auth: m?.breakerAuth ?? 5,
    consecutive: m?.breakerConsecutive ?? 25,
    ignore: m?.breakerIgnore ?? [],
  };
}

export function breakerManifestFields(
  b: BreakerSettings,
): Pick<RunManifest, "breakerWindow" | "breakerRatio" | "breakerAuth" | "breakerConsecutive" | "breakerIgnore"> {
  return { breakerWindow: b.window, breakerRatio: b.ratio, breakerAuth: b.auth, breakerConsecutive: b.consecutive, breakerIgnore: b.ignore };
}

/** `paused`: a canary's rows were sent; like `stopped`, unsent rows wait for `resume`. */
export type RunState = "enqueuing" | "queued" | "stopped" | "paused" | "cancelled";

/** States in which workers park a run's chunks instead of sending (both end with `resume`). */
export function isHeld(state: string): boolean {
  return state === "stopped" || state === "paused";
}

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
  /** A dry run's calls: what it would have sent. */
  readonly planned: number;
  /** `--canary`: rows that need a call still allowed before the run pauses (undefined: no canary, or resumed). */
  readonly canaryLeft: number | undefined;
  readonly startedAt: number | undefined;
  /** Lines of the file that hold no row (every cell empty): not rows, no outcome. */
  readonly blankLines: number;
  /** When the producer last said it was alive (epoch ms): it saves its position, or waits for room in its window. */
  readonly producerAt: number | undefined;
  /** When the latest outcome was recorded (epoch ms). */
  readonly lastAt: number | undefined;
  readonly complete: boolean;
}

/**
 * Records outcomes atomically. A bit per line (SETBIT returns the old bit) makes
 * the first outcome of a row the only one: a chunk that runs again after a crash
 * cannot report a row twice, and a million rows cost 125 KB. The outcome itself
 * goes to the run's stream, from which the report writer moves it to disk and
 * trims it, so Redis holds only what is not yet written out. Counters move in the
 * same script so they always agree with the outcomes.
 *
 * Also the circuit breaker, over the whole run (S3 Batch Operations' rule: stop
 * when more than half of the tasks fail, at any point after the first 1,000):
 * - a ring of `window` bits holds the result of the last `window` rows sent
 *   (1 = failed); once `window` rows were sent, more than `ratio` of them failed stops the run;
 * - `auth` rows failed with credential errors stop it at once (no window: nothing will pass);
 * - `consecutive` rows in a row failed without a service answer (refused, DNS,
 *   TLS, timeouts, 5xx after their retries) stop it: the endpoint is down.
 * A stop leaves unsent rows queued (workers park their chunks) until `resume`.
 *
 * KEYS: [1] done bitmap, [2] run hash, [3] outcome stream, [4] breaker ring, [5] breaker codes hash.
 * ARGV: [1] runId, [2] window, [3] ratio, [4] auth, [5] consecutive, [6] now (epoch ms), then 7 per row:
 *   line, encoded outcome, status, errorCode, requests, throttles, flag (SendFlag).
 * Returns: {rows newly recorded, run state after ('gone': the run's hash does not exist; nothing written)}.
 */
const RECORD = `
-- A run whose hash is gone (pruned, or Redis lost its data) gets no orphan keys.
if redis.call('EXISTS', KEYS[2]) == 0 then return {0, 'gone'} end
local runId = ARGV[1]
local window = tonumber(ARGV[2])
local ratio = tonumber(ARGV[3])
local authLimit = tonumber(ARGV[4])
local consecLimit = tonumber(ARGV[5])
local added = 0
local function stop(reason)
  if redis.call('HGET', KEYS[2], 'state') ~= 'stopped' then
    redis.call('HSET', KEYS[2], 'state', 'stopped', 'stopReason',
      'circuit breaker: ' .. reason .. '; rows not yet sent stay queued: fix the cause, then run "connect-backfill resume ' .. runId .. '"')
  end
end
local function example(code)
  local line = redis.call('HGET', KEYS[5], 'l:' .. code)
  return code .. (line and (', e.g. line ' .. line) or '')
end
for i = 7, #ARGV, 7 do
  if redis.call('SETBIT', KEYS[1], tonumber(ARGV[i]), 1) == 0 then
    added = added + 1
    redis.call('XADD', KEYS[3], '*', 'o', ARGV[i + 1])
    redis.call('HINCRBY', KEYS[2], 'c:' .. ARGV[i + 2], 1)
    local code = ARGV[i + 3]
    if code ~= '' then redis.call('HINCRBY', KEYS[2], 'e:' .. code, 1) end
    local req = tonumber(ARGV[i + 4])
    if req > 0 then redis.call('HINCRBY', KEYS[2], 'requests', req) end
    local thr = tonumber(ARGV[i + 5])
    if thr > 0 then redis.call('HINCRBY', KEYS[2], 'throttled', thr) end
    local flag = tonumber(ARGV[i + 6])
    if flag > 0 then
      local sent = redis.call('HINCRBY', KEYS[2], 'bSent', 1)
      local failed = flag >= 2 and 1 or 0
      local old = redis.call('SETBIT', KEYS[4], (sent - 1) % window, failed)
      local inWindow = redis.call('HINCRBY', KEYS[2], 'bFailed', failed - old)
      if failed == 1 then
        redis.call('HINCRBY', KEYS[5], 'n:' .. code, 1)
        redis.call('HSETNX', KEYS[5], 'l:' .. code, ARGV[i])
      end
      local consec = 0
      if flag == 3 then consec = redis.call('HINCRBY', KEYS[2], 'bConsecutive', 1)
      else redis.call('HSET', KEYS[2], 'bConsecutive', 0) end
      if flag == 4 then
        local auth = redis.call('HINCRBY', KEYS[2], 'bAuth', 1)
        if auth >= authLimit then
          stop(auth .. ' rows failed with credential errors (' .. example(code) .. '); the credentials were refused')
        end
      end
      if consec >= consecLimit then
        stop('the last ' .. consec .. ' rows sent all failed without an answer from the service (' .. example(code) .. ')')
      end
      if sent >= window and inWindow > window * ratio then
        local top, topN = '', -1
        local codes = redis.call('HGETALL', KEYS[5])
        for j = 1, #codes, 2 do
          local f = codes[j]
          if string.sub(f, 1, 2) == 'n:' then
            local n = tonumber(codes[j + 1])
            if n > topN then top, topN = string.sub(f, 3), n end
          end
        end
        -- One decimal: 501 of 1000 must not read "50%, more than 50%".
        stop(inWindow .. ' of the last ' .. window .. ' rows sent failed (' .. string.format('%.1f', inWindow * 100 / window) ..
          '%, more than ' .. string.format('%g', ratio * 100) .. '%), most with ' .. example(top))
      end
    end
  end
end
-- When the latest outcome landed: a finished run's rate stays what it was, and status can tell a run being worked.
if added > 0 then redis.call('HSET', KEYS[2], 'lastAt', ARGV[6]) end
return {added, redis.call('HGET', KEYS[2], 'state') or ''}
`;

/**
 * How a row's outcome bears on the circuit breaker: 0 not counted (not sent, or
 * a code the run ignores), 1 sent and applied, 2 failed, 3 failed without an
 * answer from the service, 4 failed with a credential error.
 */
export type SendFlag = 0 | 1 | 2 | 3 | 4;

export interface RecordedOutcome {
  readonly outcome: Outcome;
  readonly flag: SendFlag;
}

type RecordCmd = (k1: string, k2: string, k3: string, k4: string, k5: string, ...args: Array<string | number>) => Promise<[number, string]>;

export class RunStore {
  private readonly redis: Redis & { cbRecord3?: RecordCmd };
  /** The connection, for stores that live beside the runs (a job's change memory). */
  readonly redisClient: Redis;

  constructor(
    redis: Redis,
    readonly keys: Keys,
  ) {
    this.redis = redis as RunStore["redis"];
    this.redisClient = redis;
    if (!this.redis.cbRecord3) redis.defineCommand("cbRecord3", { numberOfKeys: 5, lua: RECORD });
  }

  /** Creates the run if it does not exist; returns the manifest in force (the existing one on resume). */
  async create(m: RunManifest): Promise<{ manifest: RunManifest; created: boolean }> {
    const key = this.keys.run(m.runId);
    // One MULTI: a crash cannot leave a manifest without its state fields.
    const tx = this.redis.multi().hsetnx(key, "manifest", JSON.stringify(m)).hsetnx(key, "state", "enqueuing").hsetnx(key, "read", 0).hsetnx(key, "chunks", 0);
    // The canary's allowance, taken by every worker before a call (takeCanary).
    if (m.canary) tx.hsetnx(key, "canaryLeft", m.canary);
    const res = await tx.zadd(this.keys.runs, "NX", m.createdAt, m.runId).exec();
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
  /** Returns the run's state as of the write, so the producer sees a cancel without a round trip of its own. */
  async saveProducerPosition(runId: string, read: number, chunks: number, done: boolean, blankLines = 0): Promise<string> {
    const key = this.keys.run(runId);
    const fields: Array<string | number> = ["read", read, "chunks", chunks, "blank", blankLines, "producerAt", Date.now()];
    if (done) fields.push("producerDone", 1);
    const res = await this.redis
      .multi()
      .hset(key, ...fields)
      .hget(key, "state")
      .exec();
    const state = String(res?.[1]?.[1] ?? "");
    // KEYS[1] run hash. Returns nothing. `enqueuing` → `queued`, leaving a cancel or a stop as it is.
    if (done) await this.redis.eval(`if redis.call('HGET', KEYS[1], 'state') == 'enqueuing' then redis.call('HSET', KEYS[1], 'state', 'queued') end`, 1, key);
    return state;
  }

  /** Notes when work began; never recreates the hash of a run that is gone (its keys would be orphans). */
  async markStarted(runId: string, at: number): Promise<void> {
    // KEYS[1] run hash; ARGV[1] now (epoch ms). Returns nothing.
    await this.redis.eval(`if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSETNX', KEYS[1], 'startedAt', ARGV[1]) end`, 1, this.keys.run(runId), at);
  }

  /** Writes outcomes; returns how many were new and the run's state afterwards. */
  async record(runId: string, rows: readonly RecordedOutcome[], breaker: BreakerSettings): Promise<{ added: number; state: string }> {
    if (rows.length === 0) return { added: 0, state: "" };
    const args: Array<string | number> = [runId, breaker.window, breaker.ratio, breaker.auth, breaker.consecutive, Date.now()];
    for (const { outcome: o, flag } of rows) {
      args.push(o.line, encodeOutcome(o), o.status, o.errorCode, o.attempts, o.throttles, flag);
    }
    const k = this.keys;
    const [added, state] = await (this.redis.cbRecord3 as RecordCmd)(
      k.done(runId),
      k.run(runId),
      k.outcomes(runId),
      k.breaker(runId),
      k.breakerCodes(runId),
      ...args,
    );
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

  /**
   * Cancels a run everywhere: workers that meet it write `cancelled` for rows
   * not yet sent and take no more of its chunks; the producer stops queueing.
   * A finished run is left as it is. Returns the state before.
   */
  async cancel(runId: string, reason: string): Promise<string> {
    // KEYS[1] run hash; ARGV[1] the reason. Returns the state before.
    const res = await this.redis.eval(
      `local s = redis.call('HGET', KEYS[1], 'state') or ''
       if s ~= 'cancelled' then redis.call('HSET', KEYS[1], 'state', 'cancelled', 'stopReason', ARGV[1]) end
       return s`,
      1,
      this.keys.run(runId),
      reason,
    );
    return String(res);
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
      planned: Number(h.planned ?? 0),
      canaryLeft: h.canaryLeft === undefined ? undefined : Number(h.canaryLeft),
      startedAt: h.startedAt ? Number(h.startedAt) : undefined,
      lastAt: h.lastAt ? Number(h.lastAt) : undefined,
      producerAt: h.producerAt ? Number(h.producerAt) : undefined,
      blankLines: Number(h.blank ?? 0),
      complete: producerDone && done >= read,
    };
  }

  /** Keeps a stopped run's chunk until `resume`; rows already done are skipped when it runs again. */
  async park(chunk: ChunkJobData): Promise<void> {
    await this.redis.rpush(this.keys.parked(chunk.runId), JSON.stringify(chunk));
  }

  /**
   * What the producer's window counts besides the queue: parked chunks (a stopped
   * or paused run) and outcomes not yet moved out by a report writer. One round trip.
   */
  async backlog(runId: string): Promise<{ parked: number; outcomes: number; state: string }> {
    const res = await this.redis.multi().llen(this.keys.parked(runId)).xlen(this.keys.outcomes(runId)).hget(this.keys.run(runId), "state").exec();
    return { parked: Number(res?.[0]?.[1] ?? 0), outcomes: Number(res?.[1]?.[1] ?? 0), state: String(res?.[2]?.[1] ?? "") };
  }

  /** The producer is alive (it waits for room in its window): `status` tells a producer that died from one that waits. */
  async touchProducer(runId: string): Promise<void> {
    await this.redis.hset(this.keys.run(runId), "producerAt", Date.now());
  }

  /** A stopped run's parked chunks, oldest first (they stay parked until `dropParked`). */
  async parked(runId: string): Promise<ChunkJobData[]> {
    const items = await this.redis.lrange(this.keys.parked(runId), 0, -1);
    return items.map((i) => JSON.parse(i) as ChunkJobData);
  }

  /**
   * `--canary`: takes `rows` from the canary's allowance right before a call.
   * Returns `send`, or the state that holds the call: `paused` once the allowance
   * is used up (the run is then paused, with the sentence saying what to do),
   * `stopped` (the breaker) or `cancelled`. A run without an allowance (none, or resumed) always goes.
   */
  async takeCanary(runId: string, rows: number, reason: string): Promise<"send" | "paused" | "stopped" | "cancelled"> {
    // KEYS[1] run hash; ARGV[1] rows, ARGV[2] the pause's reason. Returns send, or the state that holds the call.
    const res = await this.redis.eval(
      `local s = redis.call('HGET', KEYS[1], 'state')
       if s == 'paused' or s == 'stopped' or s == 'cancelled' then return s end
       local left = tonumber(redis.call('HGET', KEYS[1], 'canaryLeft'))
       if left == nil then return 'send' end
       if left <= 0 then
         redis.call('HSET', KEYS[1], 'state', 'paused', 'stopReason', ARGV[2])
         return 'paused'
       end
       redis.call('HINCRBY', KEYS[1], 'canaryLeft', -tonumber(ARGV[1]))
       return 'send'`,
      1,
      this.keys.run(runId),
      rows,
      reason,
    );
    return String(res) as "send" | "paused" | "stopped" | "cancelled";
  }

  /** A call that took canary places and was handed back without going (shutdown) gives them back. */
  async refundCanary(runId: string, rows: number): Promise<void> {
    // KEYS[1] run hash; ARGV[1] rows. Returns nothing; a resumed run (no allowance any more) is left alone.
    await this.redis.eval(
      `if redis.call('HEXISTS', KEYS[1], 'canaryLeft') == 1 then redis.call('HINCRBY', KEYS[1], 'canaryLeft', tonumber(ARGV[1])) end`,
      1,
      this.keys.run(runId),
      rows,
    );
  }

  /** A dry run's plan, kept with the run so `report` writes it again. */
  async saveDryRunPlan(runId: string, plan: DryRunPlan): Promise<void> {
    await this.redis.hset(this.keys.run(runId), "plan", JSON.stringify(plan));
  }

  async dryRunPlan(runId: string): Promise<DryRunPlan | undefined> {
    const raw = await this.redis.hget(this.keys.run(runId), "plan");
    return raw ? (JSON.parse(raw) as DryRunPlan) : undefined;
  }

  /** A dry run's calls, counted as chunks are planned. */
  async addPlanned(runId: string, calls: number): Promise<void> {
    if (calls > 0) await this.redis.hincrby(this.keys.run(runId), "planned", calls);
  }

  /** Clears the stop and the breaker's memory (the operator fixed the cause), so workers take the run's chunks again. */
  async clearStop(runId: string): Promise<void> {
    await this.redis
      .multi()
      .hset(this.keys.run(runId), "state", "queued", "bSent", 0, "bFailed", 0, "bConsecutive", 0, "bAuth", 0)
      // A canary is over once resumed: the run goes on without pausing again.
      .hdel(this.keys.run(runId), "stopReason", "canaryLeft")
      .del(this.keys.breaker(runId), this.keys.breakerCodes(runId))
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

  /** Outcomes still in Redis, not yet moved to a spool. */
  async outcomesInRedis(runId: string): Promise<number> {
    return this.redis.xlen(this.keys.outcomes(runId));
  }

  /** Where the run's outcomes are kept once they leave Redis (host:path), for a `report` run elsewhere. */
  async noteSpool(runId: string, location: string): Promise<void> {
    await this.redis.hset(this.keys.run(runId), "spool", location);
  }

  async spoolLocation(runId: string): Promise<string | undefined> {
    return (await this.redis.hget(this.keys.run(runId), "spool")) ?? undefined;
  }

  /** Removes everything a run keeps in Redis except its BullMQ queue (prune removes that). */
  async remove(runId: string): Promise<void> {
    const k = this.keys;
    await this.redis
      .multi()
      .del(k.run(runId), k.outcomes(runId), k.done(runId), k.parked(runId), k.timeline(runId), k.breaker(runId), k.breakerCodes(runId), k.beforeImages(runId))
      .zrem(k.runs, runId)
      .exec();
  }

  /** Known runs, newest first. */
  async list(limit = 50): Promise<string[]> {
    return this.redis.zrevrange(this.keys.runs, 0, limit - 1);
  }
}
