import type { RunFileResult } from "../app/runFile.js";
import type { AppContext } from "../app/context.js";
import { verdictOf } from "../app/afterRun.js";
import { exitCodeOf } from "./exitCodes.js";
import { formatSummary } from "./formatSummary.js";

/** The line cron mail and log collectors keep: one JSON record of how the run ended (stderr, level info). */
export function logRunEnded(log: AppContext["log"], res: RunFileResult): void {
  const s = res.report.summaryData;
  const exitCode = exitCodeOf(res);
  log.info(
    {
      ...(res.job ? { job: res.job } : {}),
      runId: res.runId,
      exitCode,
      verdict: verdictOf(exitCode),
      stopReason: res.stopReason,
      rows: s.rows,
      counts: s.counts,
      errorCodes: s.errorCodes,
      requests: s.requests,
      throttled: s.throttled,
      durationMs: s.durationMs,
      reports: res.report.dir,
    },
    "run ended",
  );
}

/** What a person reads when a `run` or `retry` ends: the summary, and how to go on when it stopped early. */
export function sayRunEnded(res: RunFileResult, opts: { quiet: boolean; file?: string }): void {
  if (!opts.quiet) process.stdout.write(`${formatSummary(res.report.summaryData, res.report)}\n`);
  const s = res.report.summaryData;
  const queued = s.rows - Object.values(s.counts).reduce((a, b) => a + b, 0);
  const id = res.runId;
  if (res.stopReason === "interrupted") {
    const goOn =
      opts.file === undefined || opts.file === "-"
        ? `go on with "connect-backfill work --run-id ${id}"${opts.file === "-" ? " (standard input cannot be read again)" : ""}`
        : `go on with "connect-backfill run ${opts.file} --run-id ${id}" (or "connect-backfill work --run-id ${id}")`;
    process.stderr.write(`connect-backfill: run ${id} interrupted; ${queued} rows are still queued: ${goOn}, or drop them with "connect-backfill cancel ${id}".\n`);
  } else if (res.paused) {
    // The pause's own sentence says how to look and how to go on or stop.
    process.stderr.write(`connect-backfill: ${res.stopReason}; ${queued} rows wait.\n`);
  } else if (res.stopReason === "cancelled") {
    process.stderr.write(`connect-backfill: run ${id} was cancelled; rows not sent are cancelled.\n`);
  } else if (res.stopReason) {
    process.stderr.write(
      `connect-backfill: run ${id} stopped (${res.stopReason}); ${queued} rows are still queued: resume with "connect-backfill resume ${id}" then "connect-backfill work --run-id ${id}", or drop them with "connect-backfill cancel ${id}".\n`,
    );
  }
}
