import type { HistoryEntry } from "../../app/jobHistory.js";
import { validateRunId } from "../../config/loadConfig.js";
import { EXIT } from "../exitCodes.js";
import { percent } from "../../app/nightGuards.js";
import { flagSpecOf } from "../../config/options.js";
import { withContext, type Command } from "./Command.js";

function line(e: HistoryEntry): string {
  const counts = Object.entries(e.counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  const took = e.durationMs === null ? "" : `, ${(e.durationMs / 1000).toFixed(1)} s`;
  if (e.event === "skipped") return `  ${e.endedAt} skipped: ${e.note ?? ""}`;
  if (e.event === "not-started") return `  ${e.endedAt} not started, exit ${e.exitCode ?? "-"}: ${e.note ?? ""}`;
  const verdict = e.verdict && e.verdict !== "ok" && e.verdict !== e.event ? ` (${e.verdict})` : "";
  return `  ${e.endedAt} ${e.runId} ${e.event}${verdict}${took}: ${e.rows} rows (${counts || "none"}), ${shares(e)}, ${e.calls} calls, throttled ${(e.throttledShare * 100).toFixed(1)}%, exit ${e.exitCode ?? "-"}${e.note ? ` (${e.note})` : ""}`;
}

/** The night's changed and invalid shares (what a job's guards judge): the changed share only where it was measured. */
function shares(e: HistoryEntry): string {
  const changed = typeof e.changedShare === "number" ? percent(e.changedShare) : e.changedShare === null ? "not known (new memory)" : "not measured";
  const invalid = e.invalidShare ?? (e.rows > 0 ? (e.counts.invalid ?? 0) / e.rows : 0);
  return `changed ${changed}, invalid ${percent(invalid)}`;
}

export const history: Command = {
  usage:
    "connect-backfill history [job] [--json] [--limit N] [--keep 90d]\n  Past runs of each job (or of one): when, how long, rows by status, changed and invalid shares, calls, throttled share, exit code.\n  --keep drops entries older than that (90d, 12h, 90m: minutes, 6mo: months).",
  flags: flagSpecOf("history"),
  positionals: [0, 1],
  async run({ config, positionals, flags }) {
    const { jobHistory } = await import("../../app/jobHistory.js");
    const { parseAge } = await import("../../app/pruneRuns.js");
    const only = positionals[0] !== undefined ? validateRunId(positionals[0], "the job name") : undefined;
    const keep = typeof flags.keep === "string" ? parseAge("keep", flags.keep) : undefined;
    const keepMs = keep?.ms;
    return withContext(config, "command", async (ctx) => {
      const limit = typeof flags.limit === "number" && flags.limit > 0 ? flags.limit : 1_000;
      const { removed, jobs, entries: all } = await jobHistory(ctx, { only, keepMs, limit });
      if (removed !== undefined) {
        process.stderr.write(`connect-backfill: ${removed} history entr${removed === 1 ? "y" : "ies"} older than ${keep?.said} removed\n`);
      }
      if (flags.json) process.stdout.write(`${JSON.stringify(only ? all[only] : all, null, 2)}\n`);
      else if (jobs.length === 0) process.stdout.write("no job history on this Redis\n");
      else {
        for (const job of jobs) {
          const entries = all[job] as HistoryEntry[];
          process.stdout.write(
            `job ${job}: ${entries.length} run${entries.length === 1 ? "" : "s"}\n${entries.map(line).join("\n")}${entries.length > 0 ? "\n" : ""}`,
          );
        }
      }
      return EXIT.ok;
    });
  },
};
