import { validateRunId } from "../../config/loadConfig.js";
import { EXIT, exitCodeOf } from "../exitCodes.js";
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
    const { followRun, writeRunReport } = await import("../../app/report.js");
    const runId = validateRunId(positionals[0] as string, "the run id");
    // A follower lives as long as the run: it waits out a Redis restart like a worker, instead of dying in 1.2 s.
    return withContext(config, flags.follow ? "long-lived" : "command", async (ctx) => {
      const stop = stopSignals();
      try {
        const followed = flags.follow ? await followRun(ctx.store, config, runId, stop.graceful, ctx.queues) : undefined;
        const res = await writeRunReport(ctx.store, config, runId);
        if (followed && !followed.interrupted) {
          // The follower is the one that saw the run end: a job's history and webhook are its to tell.
          const { afterJobRun } = await import("../../app/afterRun.js");
          const manifest = await ctx.store.manifest(runId);
          const { stopReason, paused } = followed;
          if (manifest) await afterJobRun(ctx, manifest, res.summaryData, stopReason, exitCodeOf({ stopReason, paused, report: res }));
        }
        if (!flags.quiet) process.stdout.write(`${formatSummary(res.summaryData, res.dir)}\n`);
        const { state, stopReason } = await ctx.store.state(runId);
        if (state === "paused") {
          process.stderr.write(`connect-backfill: ${stopReason ?? `run ${runId} is paused`}.\n`);
          return EXIT.paused;
        }
        const s = res.summaryData;
        return s.counts.invalid + s.counts.failed > 0 ? EXIT.someRowsFailed : EXIT.ok;
      } finally {
        stop.dispose();
      }
    });
  },
};
