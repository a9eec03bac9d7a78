import { flagSpecOf } from "../../config/options.js";
import { sleep } from "../../lib/sleep.js";
import { EXIT } from "../exitCodes.js";
import { withContext, type Command } from "./Command.js";

export const check: Command = {
  usage:
    "connect-backfill check [job.json] [--instance-id ID] [--endpoint URL] [--region R] [--run-id ID] [--wait MS]\n  Whether a run can start here: AWS credentials resolve, a Region is set, the endpoint answers, the instance\n  exists and the caller may read its contacts (a DescribeContact of a made-up contact), Redis takes a write.\n  With --run-id, against that run's target and instance; with --wait, asks again until the endpoint answers\n  (a simulator just started beside it). One sentence per problem; exit 1 if any.",
  flags: flagSpecOf("check"),
  positionals: [0, 1],
  takesJobFile: true,
  async run({ config, flags }) {
    const { checkTarget } = await import("../../app/checkTarget.js");
    const { refuseConflicts } = await import("../../app/runSettings.js");
    return withContext(config, "command", async (ctx) => {
      const run = config.runId ? await ctx.store.manifest(config.runId) : undefined;
      if (run) refuseConflicts(run, config);
      const target = run?.target ?? config.target;
      const opts = { target, instanceId: run?.defaultInstanceId ?? config.instanceId, askConnect: true, timeoutMs: Math.min(config.requestTimeoutMs, 10_000) };
      // --wait: a script that has just started a simulator (or a proxy) in the background asks until it listens.
      const until = Date.now() + (typeof flags.wait === "number" ? flags.wait : 0);
      let res = await checkTarget(ctx, opts);
      // Only while the endpoint's silence is all that is wrong: credentials missing or Redis refusing are said at once.
      while (res.unanswered && res.problems.length === 1 && Date.now() < until) {
        await sleep(Math.min(250, until - Date.now()));
        res = await checkTarget(ctx, opts);
      }
      for (const p of res.problems) process.stderr.write(`connect-backfill: ${p}\n`);
      for (const n of res.notes) process.stderr.write(`connect-backfill: note: ${n}\n`);
      if (res.problems.length > 0) return EXIT.couldNotRun;
      process.stdout.write(
        `ok: credentials, Region ${res.region}, ${target.endpoint ?? "the AWS endpoint"}, Redis${res.notes.length === 0 ? ", the instance and the permission to read it" : ""}\n`,
      );
      return EXIT.ok;
    });
  },
};
