import { EXIT } from "../exitCodes.js";
import { flagSpecOf } from "../../config/options.js";
import { stopSignals } from "../stopSignals.js";
import { withContext, type Command } from "./Command.js";
import { dryRunCommand, inputOf, requireFile } from "./run.js";

export const enqueue: Command = {
  usage: "connect-backfill enqueue <file | job.json [file]> [--run-id ID] [--instance-id ID] [--format csv|jsonl] [--chunk-size N]\n  Prints the run id on stdout.",
  flags: flagSpecOf("enqueue"),
  positionals: [1, 2],
  takesJobFile: true,
  async run({ config, positionals, job }) {
    const file = inputOf(positionals, job);
    const { inputFormat, jobMapping } = await import("../../app/inputFormat.js");
    const mapping = jobMapping(job);
    requireFile(file);
    const format = inputFormat(file, config);
    // Nothing is queued: the file is checked and planned here, and its reports say what a run would do.
    // A night is the job's own export: a file given in its place (failures fed back) is not judged.
    const guards = positionals[1] === undefined ? job?.job.guards : undefined;
    if (config.dryRun) return dryRunCommand(config, file, mapping, false, job && positionals[1] === undefined ? (guards ?? {}) : undefined);
    const { enqueueRun } = await import("../../app/enqueueRun.js");
    // Long-lived: the producer lives as long as the file is read (days for a backfill) and rides out a Redis restart.
    const { preflight } = await import("../../app/preflight.js");
    return withContext(config, "long-lived", async (opened) => {
      // The producer makes no call: the SDK the check needs is loaded apart and let go with it.
      const ctx = await preflight(opened, { file, format, mapping }, { sdkApart: true });
      const stop = stopSignals();
      let printed = false;
      try {
        const res = await enqueueRun(ctx, file, format, {
          mapping,
          guards,
          // The producer keeps a window of the file in Redis: it waits for workers, and says why once per cause.
          onWait: (why) =>
            process.stderr.write(`connect-backfill: waiting: ${why}; stopping this is safe (the same command with --run-id goes on where it stopped).\n`),
          onWaitOver: (why, seconds) => process.stderr.write(`connect-backfill: waited ${seconds} s in all, going on: ${why}.\n`),
          onRedis: (line) => process.stderr.write(`connect-backfill: ${line}.\n`),
          // At once: the file may take hours to queue at a real quota, and workers can start on it now.
          onRunId: (runId) => {
            printed = true;
            process.stdout.write(`${runId}\n`);
          },
          signal: stop.graceful,
        });
        if (!printed) process.stdout.write(`${res.runId}\n`);
        // Its guards paused the night when its run was made: nothing is sent until a person decides.
        if (res.paused) {
          process.stderr.write(`connect-backfill: ${res.paused}; ${res.rows - res.invalid} rows wait.\n`);
          return EXIT.paused;
        }
        if (res.interrupted) {
          process.stderr.write(
            `connect-backfill: run ${res.runId}: stopped after ${res.rows} rows read (${res.chunks} chunks queued); "connect-backfill enqueue ${file} --run-id ${res.runId}" goes on where it stopped.\n`,
          );
          return EXIT.couldNotRun;
        }
        const what = res.alreadyQueued
          ? "already queued, nothing added"
          : `${res.rows} rows read, ${res.invalid} invalid, ${res.chunks} chunks queued${res.resumed ? " (resumed)" : ""}`;
        process.stderr.write(`connect-backfill: run ${res.runId}: ${what}\n`);
        if (res.inputChanged) process.stderr.write(`connect-backfill: warning: ${res.inputChanged}.\n`);
        return EXIT.ok;
      } finally {
        stop.dispose();
      }
    });
  },
};
