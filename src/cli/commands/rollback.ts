import { validateRunId } from "../../config/loadConfig.js";
import { EXIT, exitCodeOf } from "../exitCodes.js";
import { flagSpecOf } from "../../config/options.js";
import { ProgressLine } from "../ProgressLine.js";
import { logRunEnded, sayRunEnded } from "../runEnded.js";
import { stopSignals } from "../stopSignals.js";
import { withContext, type Command } from "./Command.js";

export const rollback: Command = {
  usage:
    'connect-backfill rollback <runId> [--force] [--run-id ID] [--rate N] ...\n  A new run that writes back what the contacts of <runId> (run with --capture-before) held before it, for the\n  names it changed ("" where a name did not exist: Connect has no delete). A contact changed by someone else\n  since is left as it is and fails, unless --force. Worked and reported like `run`.',
  flags: flagSpecOf("rollback"),
  positionals: [1, 1],
  notTaken: "its rows come from the parent run's outcomes and keep that run's settings (target, instance, operation, look-ups, before-images)",
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
        if (res.unimaged > 0) {
          process.stderr.write(
            `connect-backfill: ${res.unimaged} call${res.unimaged === 1 ? "" : "s"} of run ${parentId} carry no before-image (a worker older than --capture-before sent ${res.unimaged === 1 ? "it" : "them"}?) and ${res.unimaged === 1 ? "is" : "are"} not undone; upgrade every worker before a --capture-before run.\n`,
          );
        }
        if (res.unvouched > 0) {
          process.stderr.write(
            `connect-backfill: rollback cannot vouch for ${res.unvouched} contact${res.unvouched === 1 ? "" : "s"} of run ${parentId}: a call may have written ${res.unvouched === 1 ? "it" : "them"} (its worker died holding it, or it went unanswered) without its row ending updated, and what that call wrote is not undone; look at ${res.unvouched === 1 ? "it" : "them"} (${res.unvouched === 1 ? "its line" : "their lines"} in run ${parentId}'s failures.csv).\n`,
          );
        }
        if (res.kind === "nothing") {
          process.stdout.write(`run ${parentId}: no update with a before-image; nothing to roll back\n`);
          return res.unimaged > 0 ? EXIT.couldNotRun : res.unvouched > 0 ? EXIT.someRowsFailed : EXIT.ok;
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
        const code = exitCodeOf(res);
        // Contacts it could not vouch for are not restored: not a clean rollback.
        return code === EXIT.ok && res.unvouched > 0 ? EXIT.someRowsFailed : code;
      } finally {
        stop.dispose();
      }
    });
  },
};
