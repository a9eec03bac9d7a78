import { validateRunId } from "../../config/loadConfig.js";
import { EXIT } from "../exitCodes.js";
import { flagSpecOf } from "../../config/options.js";
import { withContext, type Command } from "./Command.js";

export const resume: Command = {
  usage:
    "connect-backfill resume <runId>\n  Clears a stopped run (circuit breaker) and queues its parked rows again, and the chunks that failed\n  outright (for example while Redis was full), whose rows would otherwise stay pending.",
  flags: flagSpecOf("resume"),
  positionals: [1, 1],
  async run({ config, positionals }) {
    const runId = validateRunId(positionals[0] as string, "the run id");
    const { resumeRun } = await import("../../app/resumeRun.js");
    return withContext(config, "command", async (ctx) => {
      const n = await resumeRun(ctx, runId);
      const failed = n.failed > 0 ? ` and ${n.failed} chunks that had failed` : "";
      process.stderr.write(`connect-backfill: run ${runId} resumed; ${n.parked} parked chunks${failed} queued again\n`);
      const p = await ctx.store.progress(runId);
      const { goOnCommand, goOnSource, producerAlive } = await import("../../app/status.js");
      // All queued: workers on this Redis send it; said, since a `run` that paused has ended and works it no more.
      if (p?.producerDone && !p.complete) {
        const job = p.manifest.job;
        const how = job ? `connect-backfill run ${goOnSource(p.manifest)} --run-id ${runId}` : `connect-backfill work --run-id ${runId} --exit-when-idle`;
        process.stderr.write(`connect-backfill: workers on this Redis aimed at its endpoint send it now; with none running: "${how}"\n`);
      }
      // The producer keeps a window of the file in Redis and stopped with the run: workers alone finish only what is queued.
      if (p && !p.producerDone) {
        const seen = producerAlive(p);
        process.stderr.write(
          seen === undefined
            ? `connect-backfill: its file is queued up to row ${p.read}; queue the rest and work it with ${goOnCommand(p.manifest)}\n`
            : `connect-backfill: its file is queued up to row ${p.read}; its producer is running (seen ${seen} s ago) and queues the rest now: start none, only workers if none runs\n`,
        );
      }
      return EXIT.ok;
    });
  },
};
