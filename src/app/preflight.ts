import { CheckFailed, checkTarget } from "./checkTarget.js";
import type { AppContext } from "./context.js";
import { configForRun, refuseConflicts } from "./runSettings.js";

/**
 * Before anything is queued (run, enqueue, a scheduled run): the run's settings
 * agree with the flags given, AWS credentials and a Region resolve, the endpoint
 * answers and Redis takes a write. No call is made to Connect (it would count
 * against the account's quota at every run; `check` makes one). Returns the
 * context aimed where the run's calls go, with the Region the SDK resolved
 * when none was given, so the run records it.
 */
export async function preflight(ctx: AppContext): Promise<AppContext> {
  const { config } = ctx;
  const existing = config.runId ? await ctx.store.manifest(config.runId) : undefined;
  if (existing) refuseConflicts(existing, config);
  const target = existing?.target ?? config.target;
  const res = await checkTarget(ctx, {
    target,
    instanceId: existing?.defaultInstanceId ?? config.instanceId,
    askConnect: false,
    timeoutMs: config.requestTimeoutMs,
  });
  if (res.problems.length > 0) throw new CheckFailed(res.problems.map((p) => `cannot start: ${p}`));
  const region = target.region ?? res.region;
  return { ...ctx, config: configForRun(config, { ...target, region }) };
}
