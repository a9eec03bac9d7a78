import { notChildOf, type RunManifest } from "../domain/run/manifest.js";
import { newRunId } from "../queue/enqueueFile.js";
import { AppError } from "./AppError.js";
import type { AppContext } from "./context.js";

/**
 * The run id of a retry or rollback of `parent`: the one given (`--run-id`), or a new one. A given id that names
 * a run already may only be this parent's retry (or rollback) going on after a crash: any other run would be
 * taken over (its rows lost, the parent's sent to its target), so it is refused before anything is written.
 */
export async function childRunId(ctx: AppContext, parent: RunManifest, kind: "retry" | "rollback"): Promise<string> {
  const given = ctx.config.runId;
  if (given === undefined) return newRunId(new Date(), parent.job?.name);
  const existing = await ctx.store.manifest(given);
  if (!existing) return given;
  const refused = notChildOf(existing, parent.runId, kind);
  if (refused) throw new AppError(refused, { code: "run-id-taken" });
  return given;
}
