import { validateRunId } from "../../config/loadConfig.js";
import { EXIT, exitCodeOf } from "../exitCodes.js";
import { ENQUEUE_FLAGS, WORK_FLAGS } from "../parseArgs.js";
import { ProgressLine } from "../ProgressLine.js";
import { logRunEnded, sayRunEnded } from "../runEnded.js";
import { stopSignals } from "../stopSignals.js";
import { withContext, type Command } from "./Command.js";

export const rollback: Command = {
  usage:
    'connect-backfill rollback <runId> [--force] [--run-id ID] [--rate N] ...\n  A new run that writes back what the contacts of <runId> (run with --capture-before) held before it, for the\n  names it changed ("" where a name did not exist: Connect has no delete). A contact changed by someone else\n  since is left as it is and fails, unless --force. Worked and reported like `run`.',
  flags: { ...ENQUEUE_FLAGS, ...WORK_FLAGS, quiet: "boolean", force: "boolean" },
  positionals: [1, 1],
  async run({ config, positionals, flags }) {
    const parentId = validateRunId(positionals[0] as string, "the run id");
    const { rollbackRun } = await import("../../app/rollbackRun.js");
    return withContext(config, "long-lived", async (ctx) => {
      const stop = stopSignals();
      const progress = new ProgressLine();
      try {
        const res = await rollbackRun(ctx, parentId, {
          force: Boolean(flags.force),
          signal: stop.graceful,
          ...(flags.quiet ? {} : { onProgress: (p) => progress.update(p) }),
        });
        if (res.kind === "nothing") {
          process.stdout.write(`run ${parentId}: no contact was updated; nothing to roll back\n`);
          return EXIT.ok;
        }
        progress.finish();
        logRunEnded(ctx.log, res);
        sayRunEnded(res, { quiet: Boolean(flags.quiet) });
        const changed = res.report.summaryData.errorCodes.ChangedSinceRun ?? 0;
        if (changed > 0) {
          process.stderr.write(
            `connect-backfill: ${changed} contact${changed === 1 ? " was" : "s were"} changed by someone else since run ${parentId} and left as ${changed === 1 ? "it is" : "they are"} (failures.csv); "connect-backfill rollback ${parentId} --force" overwrites them.\n`,
          );
        }
        return exitCodeOf(res);
      } finally {
        stop.dispose();
      }
    });
  },
};
