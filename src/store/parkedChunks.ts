import type { Redis } from "ioredis";
import { type Keys, RUN } from "./keys.js";

/**
 * A stopped or paused run's chunks, kept in order until `resume` queues them
 * again (rows already done are skipped when they run). Any JSON the queue's
 * chunks are: the store does not read them.
 */
export class ParkedChunks<Chunk extends { readonly runId: string }> {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async park(chunk: Chunk): Promise<void> {
    await this.redis.rpush(this.keys.parked(chunk.runId), JSON.stringify(chunk));
  }

  /**
   * Parks a producer's chunks if the run is held (paused or stopped) at this moment, in one step with that look:
   * `resume` clears the hold before it lists the parked chunks, so none is left parked by a run going on.
   * Returns false when the run is not held (the chunks go to the queue).
   */
  async parkIfHeld(runId: string, chunks: readonly Chunk[]): Promise<boolean> {
    if (chunks.length === 0) return true;
    // KEYS[1] run hash, KEYS[2] parked list; ARGV the chunks (JSON). Returns 1 when parked.
    const res = await this.redis.eval(
      `local s = redis.call('HGET', KEYS[1], '${RUN.state}')
       if s ~= 'paused' and s ~= 'stopped' then return 0 end
       redis.call('RPUSH', KEYS[2], unpack(ARGV))
       return 1`,
      2,
      this.keys.run(runId),
      this.keys.parked(runId),
      ...chunks.map((c) => JSON.stringify(c)),
    );
    return Number(res) === 1;
  }

  /** Oldest first (they stay parked until `drop`). */
  async list(runId: string): Promise<Chunk[]> {
    const items = await this.redis.lrange(this.keys.parked(runId), 0, -1);
    return items.map((i) => JSON.parse(i) as Chunk);
  }

  /** Drops the first `count` parked chunks: they are queued again. */
  async drop(runId: string, count: number): Promise<void> {
    await this.redis.ltrim(this.keys.parked(runId), count, -1);
  }
}
