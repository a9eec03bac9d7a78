import { validateRunId } from "../../config/loadConfig.js";
import { EXIT } from "../exitCodes.js";
import { formatStatus } from "../formatStatus.js";
import { flagSpecOf } from "../../config/options.js";
import { withContext, type Command } from "./Command.js";

export const status: Command = {
  usage: "connect-backfill status [runId] [--json] [--limit N]\n  Without a run id, lists the known runs, newest first (all of them, or the newest --limit).",
  flags: flagSpecOf("status"),
  positionals: [0, 1],
  async run({ config, positionals, flags }) {
    const { listRuns, runStatus } = await import("../../app/status.js");
    const one = positionals[0] !== undefined ? validateRunId(positionals[0], "the run id") : undefined;
    return withContext(config, "command", async (ctx) => {
      if (one) {
        const s = await runStatus(ctx, one);
        process.stdout.write(flags.json ? `${JSON.stringify(s, null, 2)}\n` : `${formatStatus(s)}\n`);
        return EXIT.ok;
      }
      const limit = typeof flags.limit === "number" && flags.limit > 0 ? flags.limit : undefined;
      const { statuses, dangling } = await listRuns(ctx, limit);
      for (const id of dangling) {
        process.stderr.write(`connect-backfill: run ${id} is listed but its record is gone from Redis; "connect-backfill prune" drops the entry\n`);
      }
      if (flags.json) process.stdout.write(`${JSON.stringify(statuses, null, 2)}\n`);
      else if (statuses.length === 0) process.stdout.write("no runs on this Redis\n");
      else process.stdout.write(`${statuses.map(formatStatus).join("\n")}\n`);
      return EXIT.ok;
    });
  },
};
