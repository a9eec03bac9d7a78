import { DEFAULT_RATE } from "../config/paceOptions.js";
import { scopeOf } from "../rate/quotaScope.js";
import type { ColumnMapping } from "../input/columnRoles.js";
import { formatOf } from "../input/openSource.js";
import { operationNamed } from "../operations/registry.js";
import type { ChunkJobData } from "../queue/ChunkJob.js";
import { prevOf } from "../domain/queuedRow.js";
import { enqueueFile, newRunId } from "../queue/enqueueFile.js";
import type { RunManifest } from "../domain/run/manifest.js";
import type { NightGuards } from "../domain/run/nightGuards.js";
import type { DryRunPlan } from "../domain/RunSummary.js";
import { OutcomeMarks } from "../store/outcomeMarks.js";
import { type ChunkContext, processChunk } from "../worker/processChunk.js";
import { DryOutcomes } from "./DryOutcomes.js";
import { AppError } from "./AppError.js";
import type { AppContext } from "./context.js";
import { enqueueOptions } from "./enqueueOptions.js";
import { openRunSpool, startCleanWorkbook, writeRunReport } from "./report.js";
import type { EmptyWorkbook } from "../report/emptyWorkbookApart.js";
import { drainOutcomes } from "../queue/drainOutcomes.js";
import type { OutcomeSpool } from "../report/OutcomeSpool.js";
import { requireWritableDir, type RunFileResult } from "./runFile.js";

/** The producer's outcomes (invalid rows) wait in Redis for at most this many rows read. */
const DRAIN_EVERY_ROWS = 20_000;

/**
 * `--dry-run`: reads and checks the whole file as a run would, and writes the
 * same reports with what would happen to each row (`would_update`,
 * `skipped_pre_api`, `skipped_expired`, `unchanged`, `invalid`), the calls it
 * would send (folded as workers fold them) and how long they take. Every row
 * goes through the workers' own planning (processChunk), stopped before the
 * send: the plan cannot drift from what a run does. No API call at all; the
 * job's change memory is only read.
 */
export async function dryRunFile(
  ctx: AppContext,
  file: string,
  opts: { readonly mapping?: ColumnMapping | undefined; readonly guards?: NightGuards | undefined; readonly signal?: AbortSignal } = {},
): Promise<RunFileResult> {
  const { config } = ctx;
  await requireWritableDir(config.reportsDir);
  const format = formatOf(file, config.format);
  const runId = config.runId ?? newRunId(new Date(), config.jobName);
  // A dry run is a run of its own: planned inside an existing run, it would take that run's canary places.
  if (await ctx.store.manifest(runId)) throw new AppError(`run ${runId} already exists; give a dry run its own --run-id (or none).`);
  const base = enqueueOptions(config, file, format);
  const signal = opts.signal ?? new AbortController().signal;
  let run: RunManifest | undefined;
  // Opened once the run exists (the spool is named after it): the chunks' outcomes go straight into it, the
  // producer's (invalid rows) leave Redis for it as the file is planned.
  let spool: OutcomeSpool | undefined;
  let chunkContext: ChunkContext | undefined;
  // The report's header-only workbook, written apart while the file is planned (the report then only places it).
  let early: EmptyWorkbook | undefined;
  // Only the producer's outcomes (invalid rows) are in Redis: moved out every so many rows, not at every batch.
  let sinceDrain = 0;
  const drain = async (into: OutcomeSpool, rows: number) => {
    sinceDrain += rows;
    if (sinceDrain < DRAIN_EVERY_ROWS) return;
    sinceDrain = 0;
    await drainOutcomes(ctx.store, runId, into);
  };
  const deliver = async (chunks: readonly ChunkJobData[]) => {
    if (signal.aborted) throw new AppError(`dry run ${runId} interrupted; nothing was sent.`);
    if (!run) {
      const manifest = await ctx.store.manifest(runId);
      if (!manifest) throw new AppError(`dry run ${runId} is gone from Redis.`);
      run = manifest;
      early = startCleanWorkbook(config, runId, manifest);
    }
    if (!spool || !chunkContext) {
      spool = await openRunSpool(ctx.store, config, runId);
      // In-process, one chunk at a time, in this process's spool: nothing else reads a dry run's outcomes.
      // No way to send: a dry run's chunks go through its own executor, which only says what each call would do.
      chunkContext = {
        store: ctx.store,
        writer: new DryOutcomes(new OutcomeMarks(ctx.redis, ctx.keys), spool),
        signal,
        runFor: async () => run,
        changesFor: (job, target) => ctx.store.changeMemory(job, target),
      };
    }
    // A contact's earlier rows are settled before its later ones are planned: a chunk with a row whose earlier line
    // is in a chunk before it in this batch waits for those; the others are planned together (their round trips to
    // Redis overlap). Earlier batches are done. Anything but done (an interrupt) ends the dry run: the producer must
    // not save a position past rows without an outcome.
    const context = chunkContext;
    // Every chunk of a group ends (planned, or failed) before the group's result is said: none is still planning then.
    // What is said is the first chunk's, in file order, that failed or did not finish.
    const planned = async (group: ReadonlyArray<Promise<string>>) => {
      for (const r of await Promise.allSettled(group)) {
        if (r.status === "rejected") throw r.reason;
        if (r.value !== "done") throw new AppError(`dry run ${runId} interrupted; nothing was sent.`);
      }
    };
    const before = new Set<number>();
    let together: Array<Promise<string>> = [];
    for (const chunk of chunks) {
      if (together.length > 0 && chunk.rows.some((q) => before.has(prevOf(q)))) {
        await planned(together);
        together = [];
      }
      together.push(processChunk(chunk, context));
      for (const q of chunk.rows) before.add(q[0]);
    }
    await planned(together);
    await drain(
      spool,
      chunks.reduce((n, c) => n + c.rows.length, 0),
    );
  };
  try {
    let enq: Awaited<ReturnType<typeof enqueueFile>>;
    try {
      enq = await enqueueFile(ctx.store, ctx.queues, {
        ...base,
        runId,
        mapping: opts.mapping,
        // A job's night is judged as its real run would judge it (`{}`, a job without guards: its figures only); never paused.
        ...(base.job && opts.guards ? { guards: opts.guards } : {}),
        // `--forget` is never done by a dry run (the memory is only read).
        forget: false,
        safety: { ...base.safety, dryRun: true, canary: undefined },
        // `--forget`: planned as if the job's memory were empty (which the real run would make it), never written.
        ...(config.forget && base.job ? { job: { ...base.job, onlyChanged: false }, contactsTogether: base.job.onlyChanged } : {}),
        deliver,
      });
    } catch (err) {
      // A dry run cut short is not left looking like a run still being read: it is cancelled, with why.
      if (await ctx.store.manifest(runId).catch(() => undefined)) await ctx.store.cancel(runId, "the dry run was interrupted").catch(() => undefined);
      throw err;
    } finally {
      const held = spool as OutcomeSpool | undefined;
      held?.sync();
      held?.close();
    }
    if (enq.alreadyQueued) throw new AppError(`run ${runId} already exists; give a dry run its own --run-id (or none).`);
    await ctx.store.saveDryRunPlan(runId, await planOf(ctx, runId));
    const report = await writeRunReport(ctx.store, config, runId, undefined, undefined, early);
    return { runId, report, stopReason: undefined };
  } finally {
    // Placed by the report, or thrown away (rows were invalid, the dry run was interrupted, its report failed): no staged file is left.
    await early?.discard();
  }
}

/** The calls the dry run planned, and how long they take at the run's rate and at the rate its quota last served. */
async function planOf(ctx: AppContext, runId: string): Promise<DryRunPlan> {
  const { config } = ctx;
  const progress = await ctx.store.progress(runId);
  const op = operationNamed(config.operation);
  const calls = progress?.planned ?? 0;
  // What the service served when it last said no (the rate sent then overstates it by the burst it let through).
  // The figures of the quota this run's target paces under (its account and Region, or its endpoint), never another's.
  const { safe, wmax, scope, at } = await ctx.store.governor(scopeOf(config.target), op.name);
  const learned = Number(safe ?? wmax);
  const plan: DryRunPlan = {
    calls,
    operation: op.name,
    reads: config.captureBefore ? calls : 0,
    rate: config.rate ?? DEFAULT_RATE,
    seconds: Math.round(calls / (config.rate ?? DEFAULT_RATE)),
    ...(Number.isFinite(learned) && learned > 0
      ? {
          learnedRate: Math.round(learned * 100) / 100,
          learnedSeconds: Math.round(calls / learned),
          learnedScope: scope,
          ...(at ? { learnedAgeS: Math.max(0, Math.round((Date.now() - at) / 1000)) } : {}),
        }
      : {}),
  };
  return plan;
}
