import { validateRunId } from "../../config/loadConfig.js";
import { formatSummary } from "../formatSummary.js";
import { flagSpecOf } from "../../config/options.js";
import { stopSignals } from "../stopSignals.js";
import { withContext, type Command } from "./Command.js";

export const report: Command = {
  usage:
    "connect-backfill report <runId> [--reports-dir DIR] [--follow]\n  (Re)writes outcomes.csv, failures.csv and summary.json of a run. --follow moves outcomes out of Redis\n  as workers produce them and writes the files when the run is finished (run it on the host that keeps the reports).",
  flags: flagSpecOf("report"),
  positionals: [1, 1],
  async run({ config, positionals, flags }) {
    const { reportRun } = await import("../../app/reportRun.js");
    const runId = validateRunId(positionals[0] as string, "the run id");
    // A follower lives as long as the run: it waits out a Redis restart like a worker, instead of dying in 1.2 s.
    return withContext(config, flags.follow ? "long-lived" : "command", async (ctx) => {
      const stop = stopSignals();
      try {
        const res = await reportRun(ctx, runId, {
          follow: flags.follow === true,
          signal: stop.graceful,
          say: (line) => process.stderr.write(`connect-backfill: ${line}.\n`),
        });
        if (!flags.quiet) process.stdout.write(`${formatSummary(res.report.summaryData, res.report)}\n`);
        if (res.paused !== undefined) process.stderr.write(`connect-backfill: ${res.paused}.\n`);
        const cut = res.report.summaryData.cutShort;
        if (cut) process.stderr.write(`connect-backfill: ${cut.message}.\n`);
        return res.exitCode;
      } finally {
        stop.dispose();
      }
    });
  },
};
