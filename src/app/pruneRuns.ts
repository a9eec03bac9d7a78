import { describeDuration, DURATION_UNITS, durationMs, isDuration, parseDuration } from "../domain/duration.js";
import { ConfigError } from "../config/ConfigError.js";
import { queueOfManifest } from "../queue/RunQueues.js";
import { RunNotFoundError } from "./AppError.js";
import type { AppContext } from "./context.js";

export interface PruneResult {
  readonly pruned: string[];
  /** Runs left in Redis, and why. */
  readonly kept: Array<{ runId: string; why: string }>;
}

/**
 * `connect-backfill prune`: removes finished and cancelled runs' data from Redis
 * (report files stay): runs created more than `olderThanMs` ago, or the one run
 * named. A run whose outcomes are not all written out yet is kept: pruning it
 * would lose them.
 */
export async function pruneRuns(ctx: AppContext, opts: { runId?: string | undefined; olderThanMs: number; now?: number }): Promise<PruneResult> {
  const now = opts.now ?? Date.now();
  const ids = opts.runId ? [opts.runId] : await ctx.store.list(Number.MAX_SAFE_INTEGER);
  const pruned: string[] = [];
  const kept: PruneResult["kept"] = [];
  for (const runId of ids) {
    const p = await ctx.store.progress(runId);
    if (!p) {
      if (opts.runId) throw new RunNotFoundError(runId, ctx.config.prefix);
      await ctx.store.remove(runId); // an index entry without its run: nothing to keep
      continue;
    }
    if (p.state !== "cancelled" && !p.complete) {
      if (opts.runId) kept.push({ runId, why: "it is not finished (cancel it first to drop it)" });
      continue;
    }
    if (!opts.runId && now - p.manifest.createdAt < opts.olderThanMs) continue;
    const waiting = await ctx.store.outcomesInRedis(runId);
    if (waiting > 0) {
      kept.push({ runId, why: `${waiting} of its outcomes are not written to a report yet: run "connect-backfill report ${runId}" first` });
      continue;
    }
    // Its own queue goes too.
    await ctx.queues.named(queueOfManifest(p.manifest)).obliterate({ force: true });
    await ctx.store.remove(runId);
    pruned.push(runId);
  }
  return { pruned, kept };
}

/**
 * `30d`, `12h`, `90m` (minutes), `6mo` (months): how old a run or history entry must be to go, with the
 * one duration reading (domain/duration.ts); a value that is not one is a usage error naming `flag`.
 */
export function parseAge(flag: string, value: string): { ms: number; said: string } {
  const d = parseDuration(value);
  if (!isDuration(d)) throw new ConfigError(`--${flag} must be a duration such as 30d, 12h, 90m (minutes) or 6mo (months): ${d.problem} (units: ${DURATION_UNITS})`);
  return { ms: durationMs(d), said: describeDuration(d) };
}
