import { cancelRows } from "../queue/cancelRows.js";
import { chunkHolders } from "../queue/chunkHolders.js";
import type { ChunkJobData } from "../queue/ChunkJob.js";
import { queueOfManifest } from "../queue/RunQueues.js";
import type { RunProgress } from "../domain/run/state.js";
import { ReportDirLockedError } from "../report/reportDirLock.js";
import type { ReportFiles } from "../report/writeReportFiles.js";
import { AppError, RunNotFoundError } from "./AppError.js";
import type { AppContext } from "./context.js";
import { afterJobRun } from "./afterRun.js";
import { exitCodeOf } from "./exitCode.js";
import { writeRunReport } from "./report.js";

/** A producer that waits for room says it is alive every 5 s (store.touchProducer). */
const PRODUCER_ALIVE_MS = 7_000;

export interface CancelResult {
  readonly runId: string;
  /** The run was already finished: nothing was cancelled. */
  readonly alreadyFinished: boolean;
  /** Rows given `cancelled` by this command (queued and parked chunks). */
  readonly settled: number;
  /** Rows still in chunks that workers hold: they get `cancelled` as those workers finish their calls. */
  readonly inWorkers: number;
  readonly report: ReportFiles | undefined;
  /** When another process holds the run's report folder: who (it writes the reports). */
  readonly reportsBy?: string;
}

/**
 * `connect-backfill cancel <runId>`: stops a run everywhere. The run is marked
 * cancelled first (workers then take none of its chunks and stop sending after
 * the calls in flight); the chunks still queued or parked are settled here as
 * `cancelled`; then it waits up to `waitMs` for the workers' chunks, and writes the reports.
 */
export async function cancelRun(ctx: AppContext, runId: string, waitMs: number): Promise<CancelResult> {
  const manifest = await ctx.store.manifest(runId);
  if (!manifest) throw new RunNotFoundError(runId, ctx.config.prefix);
  const before = await ctx.store.progress(runId);
  if (before?.complete) return { runId, alreadyFinished: true, settled: 0, inWorkers: 0, report: await writeRunReport(ctx.store, ctx.config, runId) };
  const reason = `by "connect-backfill cancel" at ${new Date().toISOString()}`;
  await ctx.store.cancel(runId, reason);
  // Its file not all read (a producer that waits, or died): the run is the rows read so far. A producer still
  // alive says so again with what it read last.
  if (before && !before.producerDone) await ctx.store.markCutShort(runId, before.read);
  const message = `the run was cancelled (${reason})`;
  let settled = 0;
  for (const chunk of await ctx.store.parked(runId)) settled += await cancelRows(ctx.store, manifest, chunk, message);
  await ctx.store.dropParked(runId, Number.MAX_SAFE_INTEGER);
  const queue = ctx.queues.named(queueOfManifest(manifest));
  const seen = new Set<string>();
  for (;;) {
    const jobs = await queue.getJobs(["waiting", "delayed", "prioritized"], 0, 199);
    // Settled chunks that could not be removed (a worker holds them) are not looked at twice.
    const mine = jobs.filter((j) => j?.data?.runId === runId && !seen.has(String(j.id)));
    if (mine.length === 0) break;
    for (const job of mine) {
      seen.add(String(job.id));
      settled += await cancelRows(ctx.store, manifest, job.data, message);
      // A worker may have taken it meanwhile: it settles the same rows, the first outcome wins.
      await job.remove().catch(() => undefined);
    }
  }
  // Chunks in live workers' hands: they finish their calls in flight, then settle the rest. A producer still
  // alive stops at its next step and settles what it read. Nobody else is waited for: with no worker and no
  // producer, nothing would ever come.
  const end = Date.now() + waitMs;
  let p: RunProgress | undefined;
  let producerAlive = false;
  for (;;) {
    p = await ctx.store.progress(runId);
    if (!p || p.complete) break;
    const holders = await chunkHolders(queue, ctx.redis);
    producerAlive = !p.producerDone && p.producerAt !== undefined && Date.now() - p.producerAt < PRODUCER_ALIVE_MS;
    if (holders.held === 0 && !producerAlive) {
      // Left active by a worker that died: their rows are settled here (a call that may have gone is `MaybeSent`).
      for (const job of holders.abandonedJobs) {
        settled += await cancelRows(ctx.store, manifest, job.data as ChunkJobData, message);
        await job.remove().catch(() => undefined);
      }
      break;
    }
    if (Date.now() >= end) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  // A producer that is gone (stopped or killed) will never say its file is done: the run is the rows read.
  if (p && !p.producerDone && !producerAlive) {
    await ctx.store.saveProducerPosition(runId, p.cutShort ?? p.read, p.chunks, true, p.blankLines);
    p = await ctx.store.progress(runId);
  }
  const inWorkers = p ? Math.max(0, p.read - p.done) : 0;
  let report: ReportFiles;
  try {
    report = await writeRunReport(ctx.store, ctx.config, runId, 3_000);
  } catch (err) {
    // A `run` or `report --follow` holds the run's report folder: it writes the reports (and tells the job's end) when it sees the cancel.
    if (err instanceof AppError && err.code === ReportDirLockedError.code)
      return { runId, alreadyFinished: false, settled, inWorkers, report: undefined, reportsBy: err.message };
    throw err;
  }
  await afterJobRun(ctx, manifest, report.summaryData, "cancelled", exitCodeOf({ stopReason: "cancelled", report }));
  return { runId, alreadyFinished: false, settled, inWorkers, report };
}
