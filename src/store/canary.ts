import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { type Keys, RUN } from "./keys.js";

/** What holds a call back: nothing (`send`), the run's state that does, or `wait`: the allowance is used up and calls that hold places have not all ended yet. */
export type CanaryAnswer = "send" | "paused" | "stopped" | "cancelled" | "wait";

/**
 * KEYS: [1] run hash, [2] leases (line → 1), [3] leased lines not yet seen done, [4] the run's done bitmap,
 * [5] calls in flight (token → expiry).
 * ARGV: [1] the pause's reason, then the call's lines. Returns send, wait, or the state that holds the call.
 *
 * A place is taken once per line: a line whose worker died holding it is sent again by the chunk's next
 * holder on the same place, so N rows that needed a call are exactly N places, kills or not. Once the
 * allowance is used up the run pauses only when every leased line has its outcome (until then: wait),
 * so no call of the run reaches the service after it reports itself paused.
 */
const TAKE = `
local s = redis.call('HGET', KEYS[1], '${RUN.state}')
if s == 'paused' or s == 'stopped' or s == 'cancelled' then return s end
local left = tonumber(redis.call('HGET', KEYS[1], '${RUN.canaryLeft}'))
if left == nil then return 'send' end
local new = {}
for i = 2, #ARGV do
  if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 0 then new[#new + 1] = ARGV[i] end
end
if #new == 0 then return 'send' end
if left <= 0 then
  for _, line in ipairs(redis.call('SMEMBERS', KEYS[3])) do
    if redis.call('GETBIT', KEYS[4], tonumber(line)) == 1 then redis.call('SREM', KEYS[3], line) else return 'wait' end
  end
  -- A call that passed its last look at the state and is not answered yet (a second holder of a chunk sending a
  -- line again, whose first holder's outcome took it out of the open set): the pause waits for it too.
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local flying = redis.call('HGETALL', KEYS[5])
  for i = 1, #flying, 2 do
    if tonumber(flying[i + 1]) > now then return 'wait' end
    redis.call('HDEL', KEYS[5], flying[i])
  end
  redis.call('HSET', KEYS[1], '${RUN.state}', 'paused', '${RUN.stopReason}', ARGV[1])
  return 'paused'
end
for _, line in ipairs(new) do
  redis.call('HSET', KEYS[2], line, 1)
  redis.call('SADD', KEYS[3], line)
end
redis.call('HINCRBY', KEYS[1], '${RUN.canaryLeft}', -#new)
return 'send'
`;

/**
 * How long a call noted in flight holds a pause back at most: the time from its last look at the state to its
 * request being written, with room for a loaded machine (a live call says it landed once answered).
 */
const FLYING_MS = 5_000;

/** KEYS: [1] run hash, [2] calls in flight. ARGV: [1] token, [2] ms it holds. Returns go, or the state that holds the call. */
const FLY = `
local s = redis.call('HGET', KEYS[1], '${RUN.state}')
if s == 'paused' or s == 'stopped' or s == 'cancelled' then return s end
local t = redis.call('TIME')
redis.call('HSET', KEYS[2], ARGV[1], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[2], 10 * tonumber(ARGV[2]))
return 'go'
`;

/** `--canary`: the allowance of rows that need a call before the run pauses, kept in the run's hash, with a place per line. */
export class Canary {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /**
   * Takes places for the call's rows right before it goes (a line that holds one already keeps it).
   * Returns `send`; `wait` (the allowance is used up but calls holding places have not ended: ask again
   * shortly); or the state that holds the call: `paused` once the allowance is used up and every placed
   * row has its outcome (the run is then paused, with the sentence saying what to do), `stopped` (the
   * breaker) or `cancelled`. A run without an allowance (none, or resumed) always goes.
   */
  async take(runId: string, lines: readonly number[], reason: string): Promise<CanaryAnswer> {
    const k = this.keys;
    // The lines go as one array (ioredis flattens it; its types do not say so): spread, a call of 100,000 rows
    // was more arguments than a JavaScript call takes.
    const evalWithLines = this.redis.eval.bind(this.redis) as unknown as (...args: Array<string | number | readonly number[]>) => Promise<unknown>;
    const res = await evalWithLines(TAKE, 5, k.run(runId), k.canaryLeases(runId), k.canaryOpen(runId), k.done(runId), k.canaryFlying(runId), reason, lines);
    return String(res) as CanaryAnswer;
  }

  /**
   * Right before a canary run's call goes (after its turn): the run's state that holds it, or the call noted as in
   * flight until `landed` (or `FLYING_MS`, for a worker killed meanwhile), in one step: a pause is never said
   * between this look and the call reaching the service.
   */
  async fly(runId: string): Promise<{ readonly held: string } | { readonly landed: () => Promise<void> }> {
    const k = this.keys;
    const token = randomUUID();
    const res = String(await this.redis.eval(FLY, 2, k.run(runId), k.canaryFlying(runId), token, FLYING_MS));
    if (res !== "go") return { held: res };
    return { landed: async () => void (await this.redis.hdel(k.canaryFlying(runId), token)) };
  }
}
