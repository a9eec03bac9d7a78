import { validateRunId } from "../../config/loadConfig.js";
import { EXIT, exitCodeOf } from "../exitCodes.js";
import { flagSpecOf } from "../../config/options.js";
import { ProgressLine } from "../ProgressLine.js";
import { logRunEnded, sayRunEnded } from "../runEnded.js";
import { stopSignals } from "../stopSignals.js";
import { withContext, type Command } from "./Command.js";

export const retry: Command = {
  usage:
    "connect-backfill retry <runId> [--include-permanent] [--run-id ID] [--rate N] ...\n  A new run of the rows of <runId> that failed for a retryable cause (transient errors, the throttling cap),\n  worked and reported like `run`; --include-permanent takes every failed row.",
  flags: flagSpecOf("retry"),
  positionals: [1, 1],
  notTaken: "its rows come from the parent run's outcomes and keep that run's settings (target, instance, operation, look-ups, before-images)",
  async run({ config, positionals, flags }) {
    const parentId = validateRunId(positionals[0] as string, "the run id");
    const { retryRun } = await import("../../app/retryRun.js");
    const includePermanent = Boolean(flags["include-permanent"]);
    return withContext(config, "long-lived", async (ctx) => {
      const stop = stopSignals();
      const progress = new ProgressLine();
      try {
        const res = await retryRun(ctx, parentId, { includePermanent, signal: stop.graceful, ...(flags.quiet ? {} : { onProgress: (p) => progress.update(p) }) });
        if (res.kind === "nothing") {
          process.stdout.write(`run ${parentId}: no ${includePermanent ? "" : "retryable "}failed rows; nothing to retry\n`);
          return EXIT.ok;
        }
        progress.finish();
        logRunEnded(ctx.log, res);
        sayRunEnded(res, { quiet: Boolean(flags.quiet) });
        return exitCodeOf(res);
      } finally {
        stop.dispose();
      }
    });
  },
};
