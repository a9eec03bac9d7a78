import type { OutcomeStatus } from "../../report/Outcome.js";
import type { CommandContext } from "../openContext.js";
import { fatalError } from "../exitCodes.js";

export interface RunStatus {
  readonly runId: string;
  readonly state: string;
  readonly total: number | null;
  readonly counts: Record<OutcomeStatus, number> & { pending: number };
  /** Rows with an outcome per second since the run started. */
  readonly rate: number | null;
  /** Seconds until every row has an outcome at that rate. */
  readonly eta: number | null;
  readonly throttledShare: number;
  readonly governorRate: number | null;
  readonly stopReason: string | undefined;
}

export async function runStatus(ctx: CommandContext, runId: string): Promise<RunStatus> {
  const p = await ctx.store.progress(runId);
  if (!p) throw fatalError(`No run "${runId}" on this Redis (prefix ${ctx.config.prefix}); "connect-backfill status" lists the known runs.`);
  const sent = p.done - p.counts.invalid; // invalid rows are settled when read, not worked
  const elapsed = p.startedAt ? (Date.now() - p.startedAt) / 1000 : 0;
  const rate = elapsed > 0 && sent > 0 ? sent / elapsed : null;
  const pending = p.pending;
  const gov = await ctx.redis.hget(ctx.keys.governor("UpdateContactAttributes"), "rate");
  return {
    runId,
    state: p.complete ? "finished" : p.state,
    total: p.producerDone ? p.read : null,
    counts: { ...p.counts, pending },
    rate: rate === null ? null : Math.round(rate * 100) / 100,
    eta: p.complete ? 0 : rate ? Math.round(pending / rate) : null,
    throttledShare: p.requests > 0 ? Math.round((p.throttled / p.requests) * 10_000) / 10_000 : 0,
    governorRate: gov ? Math.round(Number(gov) * 100) / 100 : null,
    stopReason: p.stopReason,
  };
}

export function formatStatus(s: RunStatus): string {
  const c = s.counts;
  return [
    `run ${s.runId}: ${s.state}${s.stopReason ? ` (${s.stopReason})` : ""}`,
    `  total ${s.total ?? "(still reading the file)"}; updated ${c.updated}, skipped_pre_api ${c.skipped_pre_api}, skipped_expired ${c.skipped_expired}${c.superseded ? `, superseded ${c.superseded}` : ""}, invalid ${c.invalid}, failed ${c.failed}, pending ${c.pending}`,
    `  rate ${s.rate ?? "-"} rows/s, throttled ${(s.throttledShare * 100).toFixed(1)}%, governor ${s.governorRate ?? "-"} req/s, ETA ${s.eta === null ? "-" : `${s.eta} s`}`,
  ].join("\n");
}
