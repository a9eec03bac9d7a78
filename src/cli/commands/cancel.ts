import { validateRunId } from "../../config/loadConfig.js";
import { EXIT } from "../exitCodes.js";
import { formatSummary } from "../formatSummary.js";
import { flagSpecOf } from "../../config/options.js";
import { withContext, type Command } from "./Command.js";

export const cancel: Command = {
  usage:
    "connect-backfill cancel <runId> [--wait MS] [--reports-dir DIR]\n  Stops a run everywhere: rows not yet sent get the status cancelled (calls in flight finish), then the\n  reports are written. --wait: how long to wait for chunks that workers hold (default 30000).",
  flags: flagSpecOf("cancel"),
  positionals: [1, 1],
  async run({ config, positionals, flags }) {
    const runId = validateRunId(positionals[0] as string, "the run id");
    const { cancelRun } = await import("../../app/cancelRun.js");
    return withContext(config, "command", async (ctx) => {
      const res = await cancelRun(ctx, runId, typeof flags.wait === "number" ? flags.wait : 30_000);
      if (res.alreadyFinished) process.stderr.write(`connect-backfill: run ${runId} was already finished; nothing to cancel\n`);
      else {
        const left =
          res.inWorkers > 0
            ? `; ${res.inWorkers} rows are still in chunks that workers hold: they become cancelled when those workers finish their calls in flight (then "connect-backfill report ${runId}")`
            : "";
        process.stderr.write(`connect-backfill: run ${runId} cancelled: ${res.settled} queued rows cancelled${left}\n`);
      }
      if (res.reportsBy) process.stderr.write(`connect-backfill: the reports are not written here: ${res.reportsBy}\n`);
      if (res.report && !flags.quiet) process.stdout.write(`${formatSummary(res.report.summaryData, res.report)}\n`);
      return EXIT.ok;
    });
  },
};
