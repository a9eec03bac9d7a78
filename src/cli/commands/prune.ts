import { EXIT } from "../exitCodes.js";
import { flagSpecOf } from "../../config/options.js";
import { withContext, type Command } from "./Command.js";

export const prune: Command = {
  usage:
    "connect-backfill prune [--older-than 30d] [--run-id ID]\n  Removes finished and cancelled runs' data from Redis (report files stay): runs created more than\n  --older-than ago (30d, 12h, 90m for minutes, 6mo for months; default 30d), or the one run of --run-id, whatever its age.",
  flags: flagSpecOf("prune"),
  positionals: [0, 0],
  async run({ config, flags }) {
    const { parseAge, pruneRuns } = await import("../../app/pruneRuns.js");
    const olderThan = typeof flags["older-than"] === "string" ? flags["older-than"] : "30d";
    const olderThanMs = parseAge("older-than", olderThan).ms;
    return withContext(config, "command", async (ctx) => {
      const res = await pruneRuns(ctx, { runId: config.runId, olderThanMs });
      process.stdout.write(`pruned ${res.pruned.length} run${res.pruned.length === 1 ? "" : "s"}${res.pruned.length > 0 ? `: ${res.pruned.join(", ")}` : ""}\n`);
      for (const k of res.kept) process.stderr.write(`connect-backfill: kept run ${k.runId}: ${k.why}\n`);
      return res.kept.length > 0 && config.runId ? EXIT.couldNotRun : EXIT.ok;
    });
  },
};
