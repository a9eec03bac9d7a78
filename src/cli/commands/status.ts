import { queueOfManifest } from "../../queue/RunQueues.js";
import type { OutcomeStatus } from "../../report/Outcome.js";
import type { CommandContext } from "../openContext.js";
import { fatalError } from "../exitCodes.js";

export type RunStateName = "queued" | "running" | "paused" | "stopped" | "cancelled" | "finished";

export interface RunStatus {
  readonly runId: string;
  /** As it really is: `running` only while a worker has one of its chunks or outcomes keep coming. */
  readonly state: RunStateName;
  readonly input: string;
  readonly parentRunId: string | null;
  readonly total: number | null;
  readonly counts: Record<OutcomeStatus, number> & { pending: number };
  /** Rows with an outcome per second from the start to the latest outcome (frozen once the run ends). */
  readonly rate: number | null;
  /** Seconds until every row has an outcome at that rate; only for a running run. */
  readonly eta: number | null;
  readonly throttledShare: number;
  readonly governorRate: number | null;
  readonly stopReason: string | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  /** The latest outcome: the end of a finished run. */
  readonly lastOutcomeAt: string | null;
  /** Chunks BullMQ gave up on while rows of theirs have no outcome: `resume` queues them again. */
  readonly failedChunks: number;
}

/** Outcomes within this long mean a worker is on the run even between two chunks. */
const ACTIVE_WINDOW_MS = 10_000;

export async function runStatus(ctx: CommandContext, runId: string): Promise<RunStatus> {
  const p = await ctx.store.progress(runId);
  if (!p) throw fatalError(`No run "${runId}" on this Redis (prefix ${ctx.config.prefix}); "connect-backfill status" lists the known runs.`);
  const m = p.manifest;
  let state: RunStateName;
  let failedChunks = 0;
  if (!p.complete && p.state !== "cancelled") {
    const { failedChunks: failed } = await import("../../queue/requeueRun.js");
    failedChunks = (await failed(ctx.queues, queueOfManifest(m), runId)).length;
  }
  if (p.state === "cancelled") state = "cancelled";
  else if (p.complete) state = "finished";
  else if (p.state === "stopped") state = "stopped";
  else {
    const active = (await ctx.queues.named(queueOfManifest(m)).getJobCounts("active")).active ?? 0;
    state = active > 0 || (p.lastAt !== undefined && Date.now() - p.lastAt < ACTIVE_WINDOW_MS) ? "running" : "queued";
  }
  const sent = p.done - p.counts.invalid; // invalid rows are settled when read, not worked
  // A run that is not moving keeps the rate it had at its latest outcome, instead of falling forever.
  const end = state === "running" ? Date.now() : (p.lastAt ?? Date.now());
  const elapsed = p.startedAt ? (end - p.startedAt) / 1000 : 0;
  const rate = elapsed > 0 && sent > 0 ? sent / elapsed : null;
  const pending = p.pending;
  const gov = await ctx.redis.hget(ctx.keys.governor("UpdateContactAttributes"), "rate");
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  return {
    runId,
    state,
    input: m.input,
    parentRunId: m.parentRunId ?? null,
    total: p.producerDone ? p.read : null,
    counts: { ...p.counts, pending },
    rate: rate === null ? null : Math.round(rate * 100) / 100,
    eta: state === "finished" ? 0 : state === "running" && rate && failedChunks === 0 ? Math.round(pending / rate) : null,
    throttledShare: p.requests > 0 ? Math.round((p.throttled / p.requests) * 10_000) / 10_000 : 0,
    governorRate: gov ? Math.round(Number(gov) * 100) / 100 : null,
    stopReason: p.stopReason ?? null,
    createdAt: new Date(m.createdAt).toISOString(),
    startedAt: iso(p.startedAt),
    lastOutcomeAt: iso(p.lastAt),
    failedChunks,
  };
}

export function formatStatus(s: RunStatus): string {
  const c = s.counts;
  return [
    `run ${s.runId}: ${s.state}${s.stopReason ? ` (${s.stopReason})` : ""}`,
    `  input ${s.input}${s.parentRunId ? ` (retry of ${s.parentRunId})` : ""}; created ${s.createdAt}${s.lastOutcomeAt ? `, latest outcome ${s.lastOutcomeAt}` : ""}`,
    `  total ${s.total ?? "(still reading the file)"}; updated ${c.updated}, skipped_pre_api ${c.skipped_pre_api}, skipped_expired ${c.skipped_expired}${c.superseded ? `, superseded ${c.superseded}` : ""}${c.cancelled ? `, cancelled ${c.cancelled}` : ""}, invalid ${c.invalid}, failed ${c.failed}, pending ${c.pending}`,
    `  rate ${s.rate ?? "-"} rows/s, throttled ${(s.throttledShare * 100).toFixed(1)}%, governor ${s.governorRate ?? "-"} req/s, ETA ${s.eta === null ? "-" : `${s.eta} s`}`,
    ...(s.failedChunks > 0
      ? [`  ${s.failedChunks} chunks failed outright and their rows wait without an outcome: "connect-backfill resume ${s.runId}" queues them again`]
      : []),
  ].join("\n");
}
