import type { ColumnMapping } from "../input/columnRoles.js";
import type { InputFormat } from "../input/openSource.js";
import { enqueueFile, type EnqueueResult } from "../queue/enqueueFile.js";
import type { AppContext } from "./context.js";
import { enqueueOptions } from "./enqueueOptions.js";

/** `connect-backfill enqueue`: queues a file as a run (or goes on with the one `--run-id` names) for workers to take. */
export function enqueueRun(
  ctx: AppContext,
  file: string,
  format: InputFormat,
  opts: { readonly mapping?: ColumnMapping | undefined; readonly onWait?: ((why: string) => void) | undefined },
): Promise<EnqueueResult> {
  return enqueueFile(ctx.store, ctx.queues, {
    ...enqueueOptions(ctx.config, file, format),
    mapping: opts.mapping,
    onWait: opts.onWait,
  });
}
