import type { Redis } from "ioredis";
import type { Keys } from "./keys.js";

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
