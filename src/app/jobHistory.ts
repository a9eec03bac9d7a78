import { type HistoryEntry, JobHistory } from "../store/jobHistory.js";
import type { AppContext } from "./context.js";

export type { HistoryEntry };

export interface JobHistoryResult {
  /** Entries dropped by `keepMs`, when given. */
  readonly removed?: number;
  /** The jobs shown: the one asked for, or every job with a history. */
  readonly jobs: string[];
  /** Each job's latest entries (at most `limit`). */
  readonly entries: Record<string, HistoryEntry[]>;
}

/** `connect-backfill history`: past runs of each job (or of one), after dropping entries older than `keepMs`. */
export async function jobHistory(
  ctx: Pick<AppContext, "redis" | "keys">,
  opts: { readonly only?: string | undefined; readonly keepMs?: number | undefined; readonly limit: number },
): Promise<JobHistoryResult> {
  const store = new JobHistory(ctx.redis, ctx.keys);
  const removed = opts.keepMs !== undefined ? await store.keep(opts.keepMs) : undefined;
  const jobs = opts.only !== undefined ? [opts.only] : await store.jobs();
  const entries: Record<string, HistoryEntry[]> = {};
  for (const job of jobs) entries[job] = await store.entries(job, opts.limit);
  return { ...(removed !== undefined ? { removed } : {}), jobs, entries };
}
