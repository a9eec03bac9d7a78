import { enqueueRetry } from "../queue/enqueueRetry.js";
import { RunNotFoundError } from "./AppError.js";
import type { AppContext } from "./context.js";
import { breakerSettings } from "./enqueueOptions.js";
import { followOutcomes, openRunSpool } from "./report.js";
import { runQueued, type RunFileOptions, type RunFileResult } from "./runFile.js";
import { besideParent } from "./besideParent.js";
import { childRunId } from "./childRunId.js";
import { refuseConflicts } from "./runSettings.js";

export interface RetryOptions extends RunFileOptions {
  /** Every failed row, not only those failed for a retryable cause. */
  readonly includePermanent: boolean;
}

/** `nothing`: the parent run has no row to retry. */
export type RetryResult = ({ readonly kind: "run" } & RunFileResult) | { readonly kind: "nothing" };

/**
 * `connect-backfill retry`: a new run of the failed rows of `parentId`, worked
 * and reported like `run`. The parent's outcomes are first moved out of Redis
 * into its spool, which is the list of rows read.
 */
export async function retryRun(ctx: AppContext, parentId: string, opts: RetryOptions): Promise<RetryResult> {
  const parent = await ctx.store.manifest(parentId);
  if (!parent) throw new RunNotFoundError(parentId, ctx.config.prefix);
  // The retry is its parent's rows sent again: to the parent's target, instance and operation, whatever the shell says.
  refuseConflicts(parent, ctx.config, `run ${parentId}, whose settings retry keeps`);
  ctx = { ...ctx, config: await besideParent(ctx, parentId) };
  const { config } = ctx;
  await followOutcomes(ctx.store, config, parentId, (drain) => drain());
  const spool = await openRunSpool(ctx.store, config, parentId);
  try {
    const { outcomes } = spool.inLineOrder();
    let n = 0;
    for (const o of outcomes()) if (o.status === "failed" && (o.retryable || opts.includePermanent)) n++;
    if (n === 0) return { kind: "nothing" };
    // The parent's own rate unless this command gives one (see RunManifest.rate): the retry's record and its worker alike.
    const rate = config.given.has("rate") ? config.rate : (parent.rate ?? config.rate);
    const runId = await childRunId(ctx, parent, "retry");
    const res = await runQueued(
      ctx,
      runId,
      // The parent's spool (and its folder's lock) is let go once its failed rows are queued, not at the retry's end.
      async (onReady) => {
        try {
          return await enqueueRetry(ctx.store, ctx.queues, {
            onReady,
            parent,
            outcomes: outcomes(),
            includePermanent: opts.includePermanent,
            runId,
            target: parent.target,
            rate,
            chunkSize: config.chunkSize,
            breaker: breakerSettings(config),
            maxContactAge: parent.maxContactAge,
          });
        } finally {
          spool.close();
        }
      },
      { ...opts, target: parent.target, rate },
    );
    return { kind: "run", ...res };
  } finally {
    spool.close();
  }
}
