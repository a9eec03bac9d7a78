import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { ensureDir } from "../report/ensureDir.js";
import { resolve } from "node:path";
import type { ConnectClient } from "@aws-sdk/client-connect";
import type { ColumnMapping } from "../input/columnRoles.js";
import { formatOf } from "../input/openSource.js";
import { enqueueFile, newRunId, type EnqueueResult } from "../queue/enqueueFile.js";
import type { RunProgress } from "../domain/run/state.js";

export type { RunProgress };
export { expectedRows } from "../domain/run/state.js";
import type { ReportFiles } from "../report/writeReportFiles.js";
import type { BackfillWorker } from "../worker/BackfillWorker.js";
import { enqueueOptions } from "./enqueueOptions.js";
import { type OutcomeListener, settleAhead } from "./settleAhead.js";
import { workerFor } from "./workerFor.js";
import { afterJobRun } from "./afterRun.js";
import { metricsFor } from "./metricsFor.js";
import { AppError } from "./AppError.js";
import { exitCodeOf } from "./exitCode.js";
import type { AppContext } from "./context.js";
import { followRunWith } from "./followRun.js";
import { startCleanWorkbook, writeRunReport } from "./report.js";
import type { EmptyWorkbook } from "../report/emptyWorkbookApart.js";
import { endProducer, type ProducerReady, startProducer } from "./startProducer.js";
import { noteStartedRun } from "./nightNotStarted.js";
import { atRunRate, configForRun, refuseConflicts } from "./runSettings.js";
import type { RunTarget } from "../domain/run/manifest.js";
import { type NightGuards, nightFigures } from "../domain/run/nightGuards.js";

export interface RunFileOptions {
  /** Tests and benchmarks pass a client; otherwise one is made from config and the AWS chain. */
  readonly client?: ConnectClient;
  /** Stops the run early (SIGINT/SIGTERM): workers hand rows back, a partial report is written. */
  readonly signal?: AbortSignal;
  readonly parentRunId?: string;
  /** A job's CSV column mapping. */
  readonly mapping?: ColumnMapping | undefined;
  /** A job's bounds on a night, judged before its run is made. */
  readonly guards?: NightGuards | undefined;
  /** Subscribes to the run's worker: outcomes and calls as they happen (`WorkerEvents`). */
  readonly listen?: (events: BackfillWorker["events"]) => void;
  readonly pollMs?: number;
  /** Called with the run's progress several times a second (the TTY progress line). */
  readonly onProgress?: (p: RunProgress) => void;
  /** Where the run's calls go when the run is new and not the command's (a retry's or a rollback's: its parent's). */
  readonly target?: RunTarget;
  /** Its rate when the run is new and its command gives none (a retry's: its parent's). */
  readonly rate?: number | undefined;
}

export interface RunFileResult {
  readonly runId: string;
  readonly report: ReportFiles;
  /** Set when the run stopped before every row had an outcome. */
  readonly stopReason: string | undefined;
  /** The run paused after its canary (`--canary`): exit code 4. */
  readonly paused?: boolean;
  /** The job the run belongs to. */
  readonly job?: string;
}

/**
 * `connect-backfill run`: enqueue, work and report in one process. Returns when
 * every row of the file has an outcome (or the run was stopped).
 */
export async function runFile(ctx: AppContext, file: string, opts: RunFileOptions = {}): Promise<RunFileResult> {
  const { config } = ctx;
  const format = formatOf(file, config.format);
  const runId = config.runId ?? newRunId(new Date(), config.jobName);
  return runQueued(
    ctx,
    runId,
    (onReady, signal, onOutcome, onWork) =>
      enqueueFile(ctx.store, ctx.queues, {
        ...enqueueOptions(config, file, format, opts.parentRunId),
        runId,
        settleFirst: settleAhead(ctx, runId, onOutcome),
        onReady,
        onWork,
        signal,
        mapping: opts.mapping,
        guards: opts.guards,
        onWait: (why) => ctx.log.info({ runId }, `producer waits: ${why}`),
        onWaitOver: (why, seconds) => ctx.log.info({ runId }, `producer waited ${seconds} s in all, now goes on: ${why}`),
      }),
    opts,
  );
}

export async function requireWritableDir(dir: string): Promise<void> {
  try {
    await ensureDir(dir);
    await access(dir, constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new AppError(`cannot write reports to ${resolve(dir)} (${code}); give --reports-dir a folder this user can write (in Docker, a mounted volume).`);
  }
}

/**
 * Works the run `runId` that `enqueue` puts in the queue until every row has an
 * outcome, then writes the report. Only that run: other runs on the same Redis
 * (someone's production backfill) are never touched by this process.
 */
export async function runQueued(
  ctx: AppContext,
  runId: string,
  /**
   * `onOutcome`: outcomes the producer settles itself, told to this process's worker events (its metrics count them).
   * `onWork`: a producer that settles ahead (`onReady` said so) left chunks for the worker.
   */
  enqueue: (onReady: ProducerReady, signal: AbortSignal, onOutcome: OutcomeListener, onWork: () => void) => Promise<EnqueueResult>,
  opts: RunFileOptions = {},
): Promise<RunFileResult> {
  // A run that exists is worked where it was aimed, whatever the shell now says; a flag that says otherwise is refused.
  const existing = await ctx.store.manifest(runId);
  if (existing) refuseConflicts(existing, ctx.config, undefined, { resume: true });
  ctx = { ...ctx, config: atRunRate(configForRun(ctx.config, existing?.target ?? opts.target ?? ctx.config.target), existing ?? opts) };
  const { config } = ctx;
  // Found out now, not after the whole file is queued and worked (a container's read-only /app).
  await requireWritableDir(config.reportsDir);
  const worker = workerFor(ctx, {
    runs: [runId],
    ...(opts.client ? { client: opts.client } : {}),
  });
  opts.listen?.(worker.events);
  const stopMetrics = await metricsFor(ctx, worker);
  let stopReason: string | undefined;
  // The producer stops when the run does (stopped, paused, interrupted): its position is saved, the same command goes on.
  // Work starts while the file is still being queued, but only once the run is
  // known to be this file's: a refused run id must not set a worker on the old run.
  // Started once there may be chunks to take: at once, or, where the producer settles ahead what needs no call (a
  // job's only-changed night), when it first leaves a chunk for a worker. An unchanged night starts none (no BullMQ
  // worker, no connections of its own: ~0.1 s of the night's CPU).
  let working = false;
  let closing = false;
  const startWorker = () => {
    if (working || closing) return;
    working = true;
    worker.start();
  };
  const producer = startProducer(
    (onReady, signal) => enqueue(onReady, signal, (id, o) => worker.events.emit("outcome", id, o), startWorker),
    (ready) => {
      if (!ready?.settlesAhead) startWorker();
    },
  );
  // Whatever the producer said: once it has ended, a run with rows still to finish has its worker.
  void producer.done.then(async () => {
    if (working) return;
    const p = await ctx.store.progress(runId).catch(() => undefined);
    if (!p || Object.values(p.counts).reduce((a, b) => a + b, 0) < p.read) startWorker();
  });
  let started = false;
  // The report's header-only workbook, written apart while the run is worked (a clean night's report then only places it).
  let early: EmptyWorkbook | undefined;
  let report: Awaited<ReturnType<typeof writeRunReport>>;
  try {
    try {
      void producer.done.then((enq) => {
        if (!enq) return;
        if (enq.alreadyQueued) ctx.log.info({ runId }, "run already queued; waiting for its outcomes");
        // At warn: shown on a terminal and in cron's JSON logs alike.
        if (enq.inputChanged) ctx.log.warn({ runId }, enq.inputChanged);
        if (!enq.interrupted) ctx.log.info({ runId, rows: enq.rows, invalid: enq.invalid, chunks: enq.chunks }, "file queued");
      });
      await producer.started;
      started = true;
      const made = await ctx.store.manifest(runId);
      if (made) early = startCleanWorkbook(config, runId, made);
      const judged = made?.night;
      if (judged) ctx.log.info({ runId, night: judged }, `night judged: ${nightFigures(judged)}${judged.breach ? `; ${judged.breach}` : ""}`);
      const followed = await followRunWith(ctx.store, config, runId, {
        signal: opts.signal,
        queues: ctx.queues,
        alive: producer.check,
        onProgress: opts.onProgress,
        pollMs: opts.pollMs ?? 100,
        wake: producer.done,
        drainEveryMs: 1000,
        ownRun: true,
      });
      stopReason = followed.interrupted ? "interrupted" : followed.stopReason;
      await endProducer(producer, followed.paused === true && (await ctx.store.manifest(runId))?.night?.breach !== undefined);
      producer.check();
    } catch (err) {
      // The run was queued: a job's night that ends here is `stopped`, not `not-started`.
      if (started) noteStartedRun(err, runId);
      throw err;
    } finally {
      closing = true;
      void producer.stop();
      await worker.close(opts.signal?.aborted ? 0 : config.shutdownTimeoutMs);
      await stopMetrics();
    }
    report = await writeRunReport(ctx.store, config, runId, undefined, undefined, early);
  } finally {
    // Placed by the report, or thrown away (the run had failures, it or its report failed): no staged file is left.
    await early?.discard();
  }
  const manifest = await ctx.store.manifest(runId);
  const paused = (await ctx.store.state(runId)).state === "paused";
  if (manifest) await afterJobRun(ctx, manifest, report.summaryData, stopReason, exitCodeOf({ stopReason, paused, report }));
  return { runId, report, stopReason, ...(paused ? { paused } : {}), ...(manifest?.job ? { job: manifest.job.name } : {}) };
}
