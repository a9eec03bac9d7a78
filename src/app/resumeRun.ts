import { requeueRun, type Requeued } from "../queue/requeueRun.js";
import { AppError, RunNotFoundError } from "./AppError.js";
import type { AppContext } from "./context.js";

/** `connect-backfill resume`: clears a stop and queues the run's parked and failed chunks again. */
export async function resumeRun(ctx: AppContext, runId: string): Promise<Requeued> {
  if (!(await ctx.store.manifest(runId))) throw new RunNotFoundError(runId, ctx.config.prefix);
  if ((await ctx.store.state(runId)).state === "cancelled") {
    throw new AppError(`run ${runId} was cancelled; it cannot be resumed (queue the file again under a new --run-id).`);
  }
  return requeueRun(ctx.store, ctx.queues, runId);
}
