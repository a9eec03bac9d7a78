import { enqueueOptions } from "../../app/enqueueOptions.js";
import { formatOf } from "../../input/openSource.js";
import { EXIT } from "../exitCodes.js";
import { flagSpecOf } from "../../config/options.js";
import { withContext, type Command } from "./Command.js";
import { dryRunCommand, inputOf, requireFile } from "./run.js";
import { columnMappingOf } from "../../jobs/columnMapping.js";

export const enqueue: Command = {
  usage: "connect-backfill enqueue <file | job.json [file]> [--run-id ID] [--instance-id ID] [--format csv|jsonl] [--chunk-size N]\n  Prints the run id on stdout.",
  flags: flagSpecOf("enqueue"),
  positionals: [1, 2],
  takesJobFile: true,
  async run({ config, positionals, job }) {
    const file = inputOf(positionals, job);
    const mapping = job ? columnMappingOf(job.job) : undefined;
    requireFile(file);
    const format = formatOf(file, config.format);
    // Nothing is queued: the file is checked and planned here, and its reports say what a run would do.
    if (config.dryRun) return dryRunCommand(config, file, mapping, false);
    const { enqueueFile } = await import("../../queue/enqueueFile.js");
    return withContext(config, "command", async (ctx) => {
      const res = await enqueueFile(ctx.store, ctx.queues, {
        ...enqueueOptions(config, file, format),
        mapping,
        // The producer keeps a window of the file in Redis: it waits for workers, and says why once per cause.
        onWait: (why) =>
          process.stderr.write(`connect-backfill: waiting: ${why}; stopping this is safe (the same command with --run-id goes on where it stopped).\n`),
      });
      const what = res.alreadyQueued
        ? "already queued, nothing added"
        : `${res.rows} rows read, ${res.invalid} invalid, ${res.chunks} chunks queued${res.resumed ? " (resumed)" : ""}`;
      process.stderr.write(`connect-backfill: run ${res.runId}: ${what}\n`);
      if (res.inputChanged) process.stderr.write(`connect-backfill: warning: ${res.inputChanged}.\n`);
      process.stdout.write(`${res.runId}\n`);
      return EXIT.ok;
    });
  },
};
