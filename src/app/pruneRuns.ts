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

/** `30d`, `12h`, `90m`: how old a run must be to be pruned. */
export function parseAge(value: string): number | undefined {
  const m = /^(\d{1,6})(d|h|m)$/.exec(value.trim());
  if (!m) return undefined;
  return Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as "d" | "h" | "m"];
}
