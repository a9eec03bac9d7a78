import type { Redis } from "ioredis";
import type { Keys } from "./keys.js";

/** One past run of a job (or one skipped firing of its schedule): what `history` shows. */
export interface HistoryEntry {
  readonly job: string;
  readonly runId: string | null;
  /** "finished", "stopped", "cancelled", or "skipped" (a schedule fired while the previous run was still going). */
  readonly event: string;
  readonly startedAt: string | null;
  readonly endedAt: string;
  readonly durationMs: number | null;
  readonly rows: number;
  readonly counts: Record<string, number>;
  readonly calls: number;
  readonly throttledShare: number;
  readonly exitCode: number | null;
  /** Why a firing was skipped, or the stop reason. */
  readonly note?: string;
}

/**
 * Runs of each job, kept apart from the runs themselves: `prune` removes a run's
 * data, not its line in the history. A sorted set per job (score: end time), and
 * a set of the job names. `keep` trims by age.
 */
export class JobHistory {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  private key(job: string): string {
    return `${this.keys.prefix}:history:${job}`;
  }

  async record(entry: HistoryEntry): Promise<void> {
    await this.redis.multi().zadd(this.key(entry.job), Date.parse(entry.endedAt), JSON.stringify(entry)).sadd(`${this.keys.prefix}:jobs`, entry.job).exec();
  }

  async jobs(): Promise<string[]> {
    return (await this.redis.smembers(`${this.keys.prefix}:jobs`)).sort();
  }

  /** Newest first. */
  async entries(job: string, limit = 1_000): Promise<HistoryEntry[]> {
    const raw = await this.redis.zrevrange(this.key(job), 0, limit - 1);
    return raw.map((r) => JSON.parse(r) as HistoryEntry);
  }

  /** Drops entries that ended more than `olderThanMs` ago; returns how many. */
  async keep(olderThanMs: number, now = Date.now()): Promise<number> {
    let removed = 0;
    for (const job of await this.jobs()) removed += await this.redis.zremrangebyscore(this.key(job), "-inf", `(${now - olderThanMs}`);
    return removed;
  }
}
