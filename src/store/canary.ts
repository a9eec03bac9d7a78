import type { Redis } from "ioredis";
import { type Keys, RUN } from "./keys.js";

/** What holds a call back: nothing (`send`), or the run's state that does. */
export type CanaryAnswer = "send" | "paused" | "stopped" | "cancelled";

/** `--canary`: the allowance of rows that need a call before the run pauses, kept in the run's hash. */
export class Canary {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /**
   * Takes `rows` from the canary's allowance right before a call.
   * Returns `send`, or the state that holds the call: `paused` once the allowance
   * is used up (the run is then paused, with the sentence saying what to do),
   * `stopped` (the breaker) or `cancelled`. A run without an allowance (none, or resumed) always goes.
   */
  async take(runId: string, rows: number, reason: string): Promise<CanaryAnswer> {
    // KEYS[1] run hash; ARGV[1] rows, ARGV[2] the pause's reason. Returns send, or the state that holds the call.
    const res = await this.redis.eval(
      `local s = redis.call('HGET', KEYS[1], '${RUN.state}')
       if s == 'paused' or s == 'stopped' or s == 'cancelled' then return s end
       local left = tonumber(redis.call('HGET', KEYS[1], '${RUN.canaryLeft}'))
       if left == nil then return 'send' end
       if left <= 0 then
         redis.call('HSET', KEYS[1], '${RUN.state}', 'paused', '${RUN.stopReason}', ARGV[2])
         return 'paused'
       end
       redis.call('HINCRBY', KEYS[1], '${RUN.canaryLeft}', -tonumber(ARGV[1]))
       return 'send'`,
      1,
      this.keys.run(runId),
      rows,
      reason,
    );
    return String(res) as CanaryAnswer;
  }

  /** A call that took canary places and was handed back without going (shutdown) gives them back. */
  async refund(runId: string, rows: number): Promise<void> {
    // KEYS[1] run hash; ARGV[1] rows. Returns nothing; a resumed run (no allowance any more) is left alone.
    await this.redis.eval(
      `if redis.call('HEXISTS', KEYS[1], '${RUN.canaryLeft}') == 1 then redis.call('HINCRBY', KEYS[1], '${RUN.canaryLeft}', tonumber(ARGV[1])) end`,
      1,
      this.keys.run(runId),
      rows,
    );
  }
}
