import type { ReportFiles } from "../report/writeReportFiles.js";
import { afterJobRun } from "./afterRun.js";
import type { AppContext } from "./context.js";
import { EXIT, exitCodeOf } from "./exitCode.js";
import { followRun } from "./followRun.js";
import { writeRunReport } from "./report.js";

export interface ReportRunResult {
  readonly report: ReportFiles & { html: string; duplicates: number };
  readonly exitCode: number;
  /** The run waits for `resume` (or `cancel`): the sentence that says why. */
  readonly paused?: string;
}

/**
 * `connect-backfill report <runId> [--follow]`: (re)writes a run's reports,
 * after following it to its end with `follow`. The exit code is the report's:
 * its rows, or 4 while the run is paused; a run stopped early is told by
 * `status`, not by this code (the stop is not the report's failure).
 */
export async function reportRun(ctx: AppContext, runId: string, opts: { follow: boolean; signal: AbortSignal }): Promise<ReportRunResult> {
  const followed = opts.follow ? await followRun(ctx.store, ctx.config, runId, opts.signal, ctx.queues) : undefined;
  const report = await writeRunReport(ctx.store, ctx.config, runId);
  if (followed && !followed.interrupted) {
    // The follower is the one that saw the run end: a job's history and webhook are its to tell.
    const manifest = await ctx.store.manifest(runId);
    const { stopReason, paused } = followed;
    if (manifest) await afterJobRun(ctx, manifest, report.summaryData, stopReason, exitCodeOf({ stopReason, paused, report }));
  }
  const { state, stopReason } = await ctx.store.state(runId);
  const paused = state === "paused";
  return {
    report,
    // A run whose file was not all read is no success, whatever its rows say.
    exitCode: report.summaryData.cutShort && !paused ? EXIT.couldNotRun : exitCodeOf({ stopReason: undefined, paused, report }),
    ...(paused ? { paused: stopReason ?? `run ${runId} is paused` } : {}),
  };
}
