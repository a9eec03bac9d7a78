import type { RunStatus } from "../app/status.js";

/** `status` as a person reads it: a few lines per run. */
export function formatStatus(s: RunStatus): string {
  const c = s.counts;
  return [
    `run ${s.runId}: ${s.state}${s.stopReason ? ` (${s.stopReason})` : ""}`,
    `  ${s.dryRunCalls !== undefined ? `DRY RUN (would send ${s.dryRunCalls} calls) of ` : ""}${s.operation} from ${s.input}${s.rollbackOf ? ` (rollback of ${s.rollbackOf})` : s.parentRunId ? ` (retry of ${s.parentRunId})` : ""}; created ${s.createdAt}${s.lastOutcomeAt ? `, latest outcome ${s.lastOutcomeAt}` : ""}`,
    `  total ${s.total ?? `(still reading the file${s.expectedTotal !== undefined ? `: about ${s.expectedTotal} rows` : ""})`}; updated ${c.updated}, skipped_pre_api ${c.skipped_pre_api}, skipped_expired ${c.skipped_expired}${c.superseded ? `, superseded ${c.superseded}` : ""}${c.cancelled ? `, cancelled ${c.cancelled}` : ""}${c.unchanged ? `, unchanged ${c.unchanged}` : ""}${c.would_update ? `, would_update ${c.would_update}` : ""}, invalid ${c.invalid}, failed ${c.failed}, pending ${c.pending}`,
    `  rate ${s.rate ?? "-"} rows/s, throttled ${(s.throttledShare * 100).toFixed(1)}%, governor ${s.governorRate ?? "-"} req/s (${s.governorScope}), ETA ${s.eta === null ? "-" : `${s.eta} s`}`,
    ...(s.producerGone ? [`  ${s.producerGone}`] : []),
    ...(s.abandonedChunks > 0
      ? [
          `  ${s.abandonedChunks} chunk${s.abandonedChunks === 1 ? " was" : "s were"} held by a worker that is gone (the lock expired): the next worker on the run takes ${s.abandonedChunks === 1 ? "it" : "them"} up again`,
        ]
      : []),
    ...(s.noWorker ? [`  ${s.noWorker}`] : []),
    ...(s.failedChunks > 0
      ? [`  ${s.failedChunks} chunks failed outright and their rows wait without an outcome: "connect-backfill resume ${s.runId}" queues them again`]
      : []),
  ].join("\n");
}
