import type { ErrorExample, RunSummary } from "../domain/RunSummary.js";
import { STATUSES, type Outcome, type OutcomeStatus } from "../domain/Outcome.js";
import type { RunInfo } from "./writeReportFiles.js";

/** Summary figures, gathered one outcome at a time (a run may hold millions). */
export class SummaryBuilder {
  readonly counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<OutcomeStatus, number>;
  readonly errorCodes: Record<string, number> = {};
  readonly examples = new Map<string, { line: number; message: string }>();
  first = Infinity;
  last = -Infinity;
  n = 0;

  add(o: Outcome): void {
    this.n++;
    this.counts[o.status]++;
    if (o.errorCode) {
      this.errorCodes[o.errorCode] = (this.errorCodes[o.errorCode] ?? 0) + 1;
      if (!this.examples.has(o.errorCode)) this.examples.set(o.errorCode, { line: o.line, message: o.message });
    }
    if (o.finishedAt < this.first) this.first = o.finishedAt;
    if (o.finishedAt > this.last) this.last = o.finishedAt;
  }

  result(info: RunInfo): RunSummary {
    const { counts, errorCodes, examples, first, last, n } = this;
    const topErrors: ErrorExample[] = Object.entries(errorCodes)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([code, count]) => ({ code, count, ...(examples.get(code) as { line: number; message: string }) }));
    const start = info.startedAt ?? info.createdAt;
    const finishedAt = n > 0 && info.complete ? last : undefined;
    const spanS = n > 0 ? Math.max(last - Math.min(first, start), 1) / 1000 : 0;
    return {
      runId: info.runId,
      parentRunId: info.parentRunId,
      input: info.input,
      format: info.format,
      createdAt: new Date(info.createdAt).toISOString(),
      startedAt: info.startedAt === undefined ? undefined : new Date(info.startedAt).toISOString(),
      finishedAt: finishedAt === undefined ? undefined : new Date(finishedAt).toISOString(),
      durationMs: finishedAt === undefined ? undefined : Math.max(0, finishedAt - start),
      rows: info.rows,
      blankLines: info.blankLines ?? 0,
      counts,
      errorCodes,
      topErrors,
      requests: info.requests,
      throttled: info.throttled,
      throttledShare: info.requests > 0 ? Math.round((info.throttled / info.requests) * 10_000) / 10_000 : 0,
      meanRate: spanS > 0 ? Math.round((n / spanS) * 100) / 100 : undefined,
      complete: info.complete,
      ...(info.dryRun ? { dryRun: info.dryRun } : {}),
      ...(info.rollbackOf ? { rollbackOf: info.rollbackOf } : {}),
      ...(info.night ? { night: info.night } : {}),
      ...(info.cutShort !== undefined
        ? {
            cutShort: {
              readLines: info.cutShort,
              message: `the run was cancelled before its file was read to the end: cut short after ${info.cutShort} rows; the rest of ${info.input} was never read and has no outcome`,
            },
          }
        : {}),
    };
  }
}

/** Summary figures from the outcomes; pure so `status` and tests can use it. */
export function summarise(info: RunInfo, outcomes: Iterable<Outcome>): RunSummary {
  const b = new SummaryBuilder();
  for (const o of outcomes) b.add(o);
  return b.result(info);
}
