import type { Redis } from "ioredis";
import type { Keys } from "./keys.js";

/** How long a run's end stays marked as told (its history line and webhook go out once). */
const ENDED_TTL_S = 30 * 24 * 3600;

/** One past run of a job (or one skipped firing of its schedule): what `history` shows. */
export interface HistoryEntry {
  readonly job: string;
  readonly runId: string | null;
  /** "finished", "stopped", "cancelled", "not-started" (nothing was queued), or "skipped" (a schedule fired while the previous run was still going). */
  readonly event: string;
  /** How the night ended: ok, failed-rows, stopped, not-started (entries written before it have none). */
  readonly verdict?: string;
  readonly startedAt: string | null;
  readonly endedAt: string;
  readonly durationMs: number | null;
  readonly rows: number;
  readonly counts: Record<string, number>;
  readonly calls: number;
  readonly throttledShare: number;
  readonly exitCode: number | null;
  /** The run was judged against the job's guards when it was made (its own export, not a file fed in its place). */
  readonly judged?: boolean;
  /** Invalid rows among the night's rows (entries written before it have none: the counts tell). */
  readonly invalidShare?: number;
  /**
   * Rows whose contact's values differed from the job's change memory, among the valid ones, as judged when the
   * run was made (a job with `guards`); null when the memory was new. Absent: not judged.
   */
  readonly changedShare?: number | null;
  /** Why a firing was skipped, or the stop reason. */
  readonly note?: string;
}

/**
 * Runs of each job, kept apart from the runs themselves: `prune` removes a run's
 * data, not its line in the history. A sorted set per job (score: end time), and
 * a set of the job names. `keep` trims by age. Beside it, per job, the run it
 * started last (a due time that finds it still going is skipped), and per run
 * whether its end was told.
 */
export class JobHistory {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async record(entry: HistoryEntry): Promise<void> {
    await this.redis.multi().zadd(this.keys.history(entry.job), Date.parse(entry.endedAt), JSON.stringify(entry)).sadd(this.keys.jobs, entry.job).exec();
  }

  async jobs(): Promise<string[]> {
    return (await this.redis.smembers(this.keys.jobs)).sort();
  }

  /** Newest first. */
  async entries(job: string, limit = 1_000): Promise<HistoryEntry[]> {
    const raw = await this.redis.zrevrange(this.keys.history(job), 0, limit - 1);
    return raw.map((r) => JSON.parse(r) as HistoryEntry);
  }

  /** Drops entries that ended more than `olderThanMs` ago; returns how many. */
  async keep(olderThanMs: number, now = Date.now()): Promise<number> {
    let removed = 0;
    for (const job of await this.jobs()) removed += await this.redis.zremrangebyscore(this.keys.history(job), "-inf", `(${now - olderThanMs}`);
    return removed;
  }

  /** The run a job started last and when (epoch ms), if any. */
  async currentRun(job: string): Promise<{ runId: string | undefined; at: number }> {
    const previous = (await this.redis.get(this.keys.jobCurrent(job)))?.split(" ") ?? [];
    return { runId: previous[0], at: Number(previous[1] ?? 0) };
  }

  async setCurrentRun(job: string, runId: string, at = Date.now()): Promise<void> {
    await this.redis.set(this.keys.jobCurrent(job), `${runId} ${at}`);
  }

  /** True for the first caller only: a night's pause is told once, whoever sees it (`run`, `enqueue`, a follower). */
  async claimPause(runId: string): Promise<boolean> {
    return (await this.redis.set(this.keys.jobPaused(runId), "1", "EX", ENDED_TTL_S, "NX")) !== null;
  }

  /** True for the first caller only (`cancel`, the follower, `run`): one history line, one webhook per run. */
  async claimEnd(runId: string, event: string): Promise<boolean> {
    return (await this.redis.set(this.keys.jobEnded(runId), event, "EX", ENDED_TTL_S, "NX")) !== null;
  }
}
