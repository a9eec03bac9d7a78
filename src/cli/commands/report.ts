import { join } from "node:path";
import type { Config } from "../../config/loadConfig.js";
import type { RunStore } from "../../queue/RunStore.js";
import { writeReportFiles, type ReportFiles } from "../../report/writeReportFiles.js";
import { fatalError } from "../exitCodes.js";

/** Writes (or rewrites) the report files of a run from the outcomes kept in Redis. */
export async function writeRunReport(store: RunStore, config: Config, runId: string): Promise<ReportFiles> {
  const progress = await store.progress(runId);
  if (!progress) throw fatalError(`No run "${runId}" on this Redis (prefix ${config.prefix}); "connect-backfill status" lists the known runs.`);
  const m = progress.manifest;
  const outcomes = await store.outcomes(runId);
  return writeReportFiles(
    join(config.reportsDir, runId),
    {
      runId,
      parentRunId: m.parentRunId,
      input: m.input,
      format: m.shape.format,
      header: m.shape.format === "csv" ? m.shape.header : undefined,
      createdAt: m.createdAt,
      startedAt: progress.startedAt,
      rows: progress.producerDone ? progress.read : Math.max(progress.read, outcomes.length),
      requests: progress.requests,
      throttled: progress.throttled,
      complete: progress.complete,
    },
    outcomes,
  );
}
