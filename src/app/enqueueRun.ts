import type { ColumnMapping } from "../input/columnRoles.js";
import type { InputFormat } from "../input/openSource.js";
import { enqueueFile, newRunId, type EnqueueResult } from "../queue/enqueueFile.js";
import type { AppContext } from "./context.js";
import { enqueueOptions } from "./enqueueOptions.js";
import { settleAhead } from "./settleAhead.js";
import { watchRedis } from "./watchRedis.js";
import { tellPause } from "./afterRun.js";
import type { NightGuards } from "../domain/run/nightGuards.js";

/** `connect-backfill enqueue`: queues a file as a run (or goes on with the one `--run-id` names) for workers to take. */
export async function enqueueRun(
  ctx: AppContext,
  file: string,
  format: InputFormat,
  opts: {
    readonly mapping?: ColumnMapping | undefined;
    readonly guards?: NightGuards | undefined;
    readonly onWait?: ((why: string) => void) | undefined;
    readonly onWaitOver?: ((why: string, seconds: number) => void) | undefined;
    /** Said once when Redis goes away (the producer waits for it, a long backfill's producer lives for days) and once when it is back. */
    readonly onRedis?: ((line: string) => void) | undefined;
    /** The run id, as soon as the run is known to be this file's (before its rows are queued: hours at a real quota). */
    readonly onRunId?: ((runId: string) => void) | undefined;
    /** Stops the producer (SIGINT, SIGTERM, SIGHUP): its position is saved, the same command with --run-id goes on. */
    readonly signal?: AbortSignal | undefined;
  },
): Promise<EnqueueResult> {
  const unwatch = opts.onRedis ? watchRedis(ctx.redis, opts.onRedis) : () => undefined;
  try {
    const runId = ctx.config.runId ?? newRunId(new Date(), ctx.config.jobName);
    const res = await enqueueFile(ctx.store, ctx.queues, {
      ...enqueueOptions(ctx.config, file, format),
      runId,
      settleFirst: settleAhead(ctx, runId),
      mapping: opts.mapping,
      guards: opts.guards,
      onWait: opts.onWait,
      onWaitOver: opts.onWaitOver,
      onReady: () => opts.onRunId?.(runId),
      signal: opts.signal,
    });
    // Paused by its guards: the webhook is told now (no follower may run beside `enqueue`), once for the run.
    const manifest = res.paused ? await ctx.store.manifest(runId) : undefined;
    if (manifest) await tellPause(ctx, manifest, res.paused);
    return res;
  } finally {
    unwatch();
  }
}
