import type { Redis } from "ioredis";
import type { BreakerSettings, RecordedOutcome } from "../domain/breaker.js";
import { encodeOutcome } from "../domain/outcomeCodec.js";
import { BREAKER_CODES, type Keys, OUTCOME_FIELD, RUN } from "./keys.js";
import { SentCalls } from "./sentCalls.js";

const N = BREAKER_CODES.countPrefix;
const L = BREAKER_CODES.linePrefix;

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
 * ARGV: [1] runId, [2] window, [3] ratio, [4] auth, [5] consecutive, [6] now (epoch ms), then 2 per row:
 *   "line|status|throttles|flag|errorCode" (flag: SendFlag; the code last, so it may hold any character), and the
 *   encoded outcome. Two arguments a row, not seven: building a script call's arguments was most of its cost
 *   to the caller (a 100k-row night spent ~0.25 s there).
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
-- The run's counters move once per script, not once per row: a row's own call to Redis costs more than its count.
local counts = {}
local function bump(field, n) counts[field] = (counts[field] or 0) + n end
local function stop(reason)
  if redis.call('HGET', KEYS[2], '${RUN.state}') ~= 'stopped' then
    redis.call('HSET', KEYS[2], '${RUN.state}', 'stopped', '${RUN.stopReason}',
      'circuit breaker: ' .. reason .. '; rows not yet sent stay queued: fix the cause, then run "connect-backfill resume ' .. runId .. '"')
  end
end
local function example(code)
  local line = redis.call('HGET', KEYS[5], '${L}' .. code)
  return code .. (line and (', e.g. line ' .. line) or '')
end
for i = 7, #ARGV, 2 do
  local line, status, throttles, sendFlag, code = string.match(ARGV[i], '^(%d+)|([^|]*)|(%d+)|(%d+)|(.*)$')
  if redis.call('SETBIT', KEYS[1], tonumber(line), 1) == 0 then
    added = added + 1
    redis.call('XADD', KEYS[3], '*', '${OUTCOME_FIELD}', ARGV[i + 1])
    bump('${RUN.countPrefix}' .. status, 1)
    if code ~= '' then bump('${RUN.errorPrefix}' .. code, 1) end
    -- The row's calls are not counted here: calls are counted when they are sent (countSent),
    -- so a call whose worker died before its outcome was written still counts.
    local thr = tonumber(throttles)
    if thr > 0 then bump('${RUN.throttled}', thr) end
    local flag = tonumber(sendFlag)
    if flag > 0 then
      local sent = redis.call('HINCRBY', KEYS[2], '${RUN.breakerSent}', 1)
      local failed = flag >= 2 and 1 or 0
      local old = redis.call('SETBIT', KEYS[4], (sent - 1) % window, failed)
      local inWindow = redis.call('HINCRBY', KEYS[2], '${RUN.breakerFailed}', failed - old)
      if failed == 1 then
        redis.call('HINCRBY', KEYS[5], '${N}' .. code, 1)
        redis.call('HSETNX', KEYS[5], '${L}' .. code, line)
      end
      local consec = 0
      if flag == 3 then consec = redis.call('HINCRBY', KEYS[2], '${RUN.breakerConsecutive}', 1)
      else redis.call('HSET', KEYS[2], '${RUN.breakerConsecutive}', 0) end
      if flag == 4 then
        local auth = redis.call('HINCRBY', KEYS[2], '${RUN.breakerAuth}', 1)
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
          if string.sub(f, 1, ${N.length}) == '${N}' then
            local n = tonumber(codes[j + 1])
            if n > topN then top, topN = string.sub(f, ${N.length + 1}), n end
          end
        end
        -- One decimal: 501 of 1000 must not read "50%, more than 50%".
        stop(inWindow .. ' of the last ' .. window .. ' rows sent failed (' .. string.format('%.1f', inWindow * 100 / window) ..
          '%, more than ' .. string.format('%g', ratio * 100) .. '%), most with ' .. example(top))
      end
    end
  end
end
for field, n in pairs(counts) do redis.call('HINCRBY', KEYS[2], field, n) end
-- When the latest outcome landed: a finished run's rate stays what it was, and status can tell a run being worked.
if added > 0 then redis.call('HSET', KEYS[2], '${RUN.lastAt}', ARGV[6]) end
return {added, redis.call('HGET', KEYS[2], '${RUN.state}') or ''}
`;

type RecordCmd = (k1: string, k2: string, k3: string, k4: string, k5: string, ...args: Array<string | number>) => Promise<[number, string]>;

/**
 * A run's outcomes while in Redis: the done bitmap (one outcome per line), the
 * stream a report writer drains, the counters and the circuit breaker, all
 * moved by one script.
 */
export class OutcomeLog {
  private readonly redis: Redis & { cbRecord4?: RecordCmd };
  private readonly sent: SentCalls;

  constructor(
    redis: Redis,
    private readonly keys: Keys,
  ) {
    this.redis = redis as OutcomeLog["redis"];
    if (!this.redis.cbRecord4) redis.defineCommand("cbRecord4", { numberOfKeys: 5, lua: RECORD });
    this.sent = new SentCalls(redis, keys);
  }

  /** A call going (any API): see SentCalls. */
  countSent(runId: string, writes?: readonly number[]): Promise<void> {
    return this.sent.count(runId, writes);
  }

  /** Of `lines`, those whose write call was handed to the HTTP handler at least once. */
  async maybeSent(runId: string, lines: readonly number[]): Promise<Set<number>> {
    if (lines.length === 0) return new Set();
    const p = this.redis.pipeline();
    for (const line of lines) p.getbit(this.keys.sending(runId), line);
    const res = (await p.exec()) ?? [];
    return new Set(lines.filter((_, i) => res[i]?.[1] === 1));
  }

  /** Writes outcomes; returns how many were new and the run's state afterwards. */
  async record(runId: string, rows: readonly RecordedOutcome[], breaker: BreakerSettings): Promise<{ added: number; state: string }> {
    if (rows.length === 0) return { added: 0, state: "" };
    const args: Array<string | number> = [runId, breaker.window, breaker.ratio, breaker.auth, breaker.consecutive, Date.now()];
    for (const { outcome: o, flag } of rows) args.push(`${o.line}|${o.status}|${o.throttles}|${flag}|${o.errorCode}`, encodeOutcome(o));
    const k = this.keys;
    const [added, state] = await (this.redis.cbRecord4 as RecordCmd)(
      k.done(runId),
      k.run(runId),
      k.outcomes(runId),
      k.breaker(runId),
      k.breakerCodes(runId),
      ...args,
    );
    return { added: Number(added), state };
  }

  /**
   * Lines among `lines` that already have an outcome. The done bitmap is read by spans of bytes (a chunk's
   * lines are mostly close together): one GETRANGE per span instead of a GETBIT per line.
   */
  async finished(runId: string, lines: readonly number[]): Promise<Set<number>> {
    if (lines.length === 0) return new Set();
    const key = this.keys.done(runId);
    const spans = byteSpans(lines);
    const pipe = this.redis.pipeline();
    for (const [from, to] of spans) pipe.getrangeBuffer(key, from, to);
    const res = (await pipe.exec()) ?? [];
    const done = new Set<number>();
    res.forEach(([err, bytes], i) => {
      if (err) throw err;
      const [from, , spanLines] = spans[i] as Span;
      const buf = bytes as Buffer;
      for (const line of spanLines) {
        const at = Math.floor(line / 8) - from;
        // Redis numbers a bitmap's bits from the most significant bit of each byte; past the string's end all are 0.
        if (at < buf.length && ((buf[at] as number) >> (7 - (line % 8))) & 1) done.add(line);
      }
    });
    return done;
  }

  /** Outcomes not yet written out, oldest first, after stream id `after`. */
  async pending(runId: string, after: string, count: number): Promise<Array<{ id: string; encoded: string }>> {
    const res = await this.redis.xrange(this.keys.outcomes(runId), `(${after}`, "+", "COUNT", count);
    return res.map(([id, fields]) => ({ id, encoded: fields[1] as string }));
  }

  /** Drops outcomes up to and including `upto`: they are safely on disk. */
  async trim(runId: string, upto: string): Promise<void> {
    // MINID keeps ids >= the given one; trimming to the next id drops `upto` too.
    const [ms, seq] = upto.split("-").map(Number) as [number, number];
    await this.redis.xtrim(this.keys.outcomes(runId), "MINID", `${ms}-${seq + 1}`);
  }

  /** Outcomes still in Redis, not yet moved to a spool. */
  async inRedis(runId: string): Promise<number> {
    return this.redis.xlen(this.keys.outcomes(runId));
  }
}

/** Bytes of the done bitmap read at once at most, and the gap that starts a new span (a few hundred lines). */
const MAX_SPAN_BYTES = 4096;
const GAP_BYTES = 64;

type Span = [from: number, to: number, lines: number[]];

/** The byte spans (inclusive) of the done bitmap that hold `lines`, each with its lines. */
export function byteSpans(lines: readonly number[]): Span[] {
  const sorted = [...new Set(lines)].sort((a, b) => a - b);
  const spans: Span[] = [];
  let cur: Span | undefined;
  for (const line of sorted) {
    const b = Math.floor(line / 8);
    if (cur && b - cur[1] <= GAP_BYTES && b - cur[0] < MAX_SPAN_BYTES) {
      cur[1] = b;
      cur[2].push(line);
    } else {
      cur = [b, b, [line]];
      spans.push(cur);
    }
  }
  return spans;
}
