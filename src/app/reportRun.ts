import type { ReportFiles } from "../report/writeReportFiles.js";
import { afterJobRun, tellPause } from "./afterRun.js";
import type { AppContext } from "./context.js";
import { EXIT, exitCodeOf } from "./exitCode.js";
import { type FollowOptions, followRun } from "./followRun.js";
import type { RunProgress } from "../domain/run/state.js";
import { writeRunReport } from "./report.js";
import { sleep } from "../lib/sleep.js";
import { watchRedis } from "./watchRedis.js";

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
export async function reportRun(
  ctx: AppContext,
  runId: string,
  opts: { follow: boolean; signal: AbortSignal; readonly say?: ((line: string) => void) | undefined },
): Promise<ReportRunResult> {
  const unwatch = opts.follow && opts.say ? watchRedis(ctx.redis, opts.say) : () => undefined;
  try {
    if (opts.follow) await untilRunExists(ctx, runId, opts.signal, opts.say);
    return await reportOf(ctx, runId, {
      ...opts,
      onHold: async (p, write) => {
        // The follower may be the only process that sees a night pause (`enqueue` and `work` elsewhere): the webhook is told once.
        if (p.state === "paused") await tellPause(ctx, p.manifest, p.stopReason);
        await sayHeld(runId, p, write, opts.say);
      },
    });
  } finally {
    unwatch();
  }
}

/**
 * A follower started before its run (the report writer of a pipeline, started first) waits for the run to
 * be queued, saying so once, instead of exiting; Ctrl-C ends the wait (the run is then not found).
 */
async function untilRunExists(ctx: AppContext, runId: string, signal: AbortSignal, say?: (line: string) => void): Promise<void> {
  if (await ctx.store.manifest(runId)) return;
  say?.(`no run ${runId} on this Redis yet (prefix ${ctx.config.prefix}); waiting for it to be queued`);
  while (!signal.aborted && !(await ctx.store.manifest(runId))) await sleep(RUN_POLL_MS, signal).catch(() => undefined);
}

const RUN_POLL_MS = 500;

/**
 * A follower goes on through a pause or a stop: the run's outcomes keep leaving Redis (a producer waits
 * for room), and the person deciding whether to resume has the reports of what was sent so far.
 */
async function sayHeld(runId: string, p: RunProgress, write: () => Promise<ReportFiles>, say?: (line: string) => void): Promise<void> {
  const files = await write();
  const why = p.stopReason ?? `run ${runId} is ${p.state}`;
  say?.(
    `${why}; the reports of its rows so far are in ${files.dir}. Still following it (its outcomes keep leaving Redis): "connect-backfill resume ${runId}" goes on, "connect-backfill cancel ${runId}" ends it, Ctrl-C stops following`,
  );
}

async function reportOf(ctx: AppContext, runId: string, opts: { follow: boolean; signal: AbortSignal; onHold: FollowOptions["onHold"] }): Promise<ReportRunResult> {
  const followed = opts.follow ? await followRun(ctx.store, ctx.config, runId, opts.signal, ctx.queues, undefined, opts.onHold) : undefined;
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
    // A cancelled run (its file not all read, or rows never sent) is no success, whatever its other rows say: as the
    // run's own command ended, exit 1 (a script's `report X && next` must not go on as if it had all gone).
    exitCode: (report.summaryData.cutShort || state === "cancelled") && !paused ? EXIT.couldNotRun : exitCodeOf({ stopReason: undefined, paused, report }),
    ...(paused ? { paused: stopReason ?? `run ${runId} is paused` } : {}),
  };
}
