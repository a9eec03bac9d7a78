import { join } from "node:path";
import type { Config } from "../../config/loadConfig.js";
import { drainOutcomes } from "../../queue/drainOutcomes.js";
import type { RunStore } from "../../queue/RunStore.js";
import { OutcomeSpool } from "../../report/OutcomeSpool.js";
import { writeHtmlReport } from "../../report/writeHtmlReport.js";
import { writeReportFiles, type ReportFiles } from "../../report/writeReportFiles.js";
import { fatalError } from "../exitCodes.js";

/** Where a run's outcomes live once they leave Redis (keep it: `report` rewrites the files from it). */
export function spoolPath(config: Config, runId: string): string {
  return join(config.reportsDir, runId, ".outcomes.spool");
}

/**
 * Opens a run's spool for as long as `follow` runs and hands it a `drain` that
 * moves what Redis holds of the run's outcomes into it: one open (and one tail
 * check) per follow, not per drain.
 */
export async function followOutcomes<T>(store: RunStore, config: Config, runId: string, follow: (drain: () => Promise<number>) => Promise<T>): Promise<T> {
  const spool = await OutcomeSpool.open(spoolPath(config, runId));
  try {
    return await follow(() => drainOutcomes(store, runId, spool));
  } finally {
    spool.close();
  }
}

/** Writes (or rewrites) the report files of a run: drains Redis into the spool, then writes from it. */
export async function writeRunReport(store: RunStore, config: Config, runId: string): Promise<ReportFiles & { html: string; duplicates: number }> {
  const progress = await store.progress(runId);
  if (!progress) throw fatalError(`No run "${runId}" on this Redis (prefix ${config.prefix}); "connect-backfill status" lists the known runs.`);
  const m = progress.manifest;
  const spool = await OutcomeSpool.open(spoolPath(config, runId));
  try {
    await drainOutcomes(store, runId, spool);
    const { outcomes, duplicates, count } = spool.inLineOrder();
    const files = await writeReportFiles(
      join(config.reportsDir, runId),
      {
        runId,
        parentRunId: m.parentRunId,
        input: m.input,
        format: m.shape.format,
        header: m.shape.format === "csv" ? m.shape.header : undefined,
        createdAt: m.createdAt,
        startedAt: progress.startedAt,
        rows: progress.producerDone ? progress.read : Math.max(progress.read, count),
        requests: progress.requests,
        throttled: progress.throttled,
        complete: progress.complete && count >= progress.read,
      },
      outcomes,
    );
    // The page a person opens: counts, errors, calls per second, the first failed rows.
    const html = join(files.dir, "report.html");
    await writeHtmlReport(html, { summary: files.summaryData, timeline: await store.timeline(runId), failed: files.failed.first, failedTotal: files.failed.total });
    return { ...files, html, duplicates };
  } finally {
    spool.close();
  }
}
