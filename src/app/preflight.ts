import type { ColumnMapping } from "../input/columnRoles.js";
import type { InputFormat } from "../input/openSource.js";
import { STDIN } from "../input/transportOf.js";
import { checkRunInput } from "../queue/openRunInput.js";
import type { CheckAhead } from "./checkAhead.js";
import { targetCheckOf } from "./checkOptions.js";
import { CheckFailed, checkTarget } from "./checkTarget.js";
import type { AppContext } from "./context.js";
import { configForRun, refuseConflicts } from "./runSettings.js";

/** The input a run is about to read. */
export interface PreflightInput {
  readonly file: string;
  readonly format: InputFormat;
  readonly mapping?: ColumnMapping | undefined;
}

/**
 * Before anything is queued (run, enqueue, a scheduled run): the run's settings
 * agree with the flags given, the input is one the producer can read, AWS
 * credentials and a Region resolve, the endpoint answers and Redis takes a
 * write. In that order: a flag, then the user's own file (cheap to look at, and
 * what a person fixes first), then the network. No call is made to Connect (it
 * would count against the account's quota at every run; `check` makes one).
 * Returns the context aimed where the run's calls go, with the Region the SDK
 * resolved when none was given, so the run records it. `sdkApart`: for a command that makes no call itself
 * (`enqueue`), the AWS SDK is loaded only in a thread that ends with the check (checkTarget.ts). `ahead`: the
 * check the command started before it loaded (`run`: checkAhead.ts), used if it was for this run's target.
 */
export async function preflight(
  ctx: AppContext,
  input?: PreflightInput,
  { sdkApart = false, ahead }: { sdkApart?: boolean; ahead?: CheckAhead } = {},
): Promise<AppContext> {
  const { config } = ctx;
  const existing = config.runId ? await ctx.store.manifest(config.runId) : undefined;
  if (existing) refuseConflicts(existing, config, undefined, { resume: true });
  // Standard input cannot be read twice: the producer's own opening checks it (after the target).
  if (input && input.file !== STDIN) {
    await checkRunInput(input.file, {
      format: input.format,
      // Going on with a run: its own separator, instance, column mapping and operation, as the producer takes them.
      delimiter: existing?.delimiter ?? config.delimiter,
      instanceId: existing ? existing.defaultInstanceId : config.instanceId,
      mapping: input.mapping ?? existing?.mapping,
      operation: existing?.operation ?? config.operation,
    });
  }
  const checked = targetCheckOf(config, existing);
  const res = await checkTarget(ctx, checked, { apart: sdkApart, ...(ahead ? { ahead } : {}) });
  const { target } = checked;
  if (res.problems.length > 0) throw new CheckFailed(res.problems.map((p) => `cannot start: ${p}`));
  const region = target.region ?? res.region;
  return { ...ctx, config: configForRun(config, { ...target, region }) };
}
