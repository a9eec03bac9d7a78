import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import type { Config } from "../config/loadConfig.js";
import { drainOutcomes } from "../queue/drainOutcomes.js";
import type { RunManifest } from "../domain/run/manifest.js";
import type { RunStore } from "../store/RunStore.js";
import { queueOfManifest, type RunQueues } from "../queue/RunQueues.js";
import { OutcomeSpool } from "../report/OutcomeSpool.js";
import { lockReportDir, ReportDirLockedError } from "../report/reportDirLock.js";
import { writeHtmlReport } from "../report/writeHtmlReport.js";
import { cleanWorkbookHeader, writeReportFiles, type ReportFiles } from "../report/writeReportFiles.js";
import { type EmptyWorkbook, emptyWorkbookApart } from "../report/emptyWorkbookApart.js";
import { ReportWriteError } from "../report/AtomicFile.js";
import { uploadReport } from "../report/uploadReport.js";

export type { RunSummary } from "../domain/RunSummary.js";
import { AppError, RunNotFoundError } from "./AppError.js";

/** Where a run's outcomes live once they leave Redis (keep it: `report` rewrites the files from it). */
export function spoolPath(config: Config, runId: string): string {
  return join(config.reportsDir, runId, ".outcomes.spool");
}

/**
 * Opens the spool of this incarnation of the run. A run id can be used again
 * (after `prune`, or on a Redis that lost its data): a spool left by the earlier
 * run would win over the new outcomes (first outcome per line) and its stream
 * ids would make the drain skip new ones. A sidecar names the incarnation; a
 * spool of another one is set aside (renamed, never deleted: it is a record).
 */
export async function openRunSpool(store: RunStore, config: Config, runId: string, done?: number, lockWaitMs?: number): Promise<OutcomeSpool> {
  await checkSpoolHere(store, config, runId, done);
  const path = spoolPath(config, runId);
  const manifest = await store.manifest(runId);
  const incarnation = `${runId}@${manifest?.createdAt ?? "unknown"}`;
  const sidecar = `${path}.run`;
  // Held until the spool is closed: one writer drains a run into its folder at a time.
  const release = await lockReportDir(join(config.reportsDir, runId), lockWaitMs).catch((err: unknown) => {
    // An AppError for programs using the API, with the lock's code to tell it apart.
    throw err instanceof ReportDirLockedError ? new AppError(err.message, { code: err.code }) : err;
  });
  try {
    const held = existsSync(sidecar) ? readFileSync(sidecar, "utf8").trim() : undefined;
    if (held !== undefined && held !== incarnation && existsSync(path)) {
      renameSync(path, `${path}.${held.replace(/[^A-Za-z0-9_.@-]/g, "_")}.old`);
    }
    const spool = await OutcomeSpool.open(path, release);
    if (held !== incarnation) writeFileSync(sidecar, `${incarnation}\n`, { mode: 0o600 });
    // Said in the run, so a `report` on another host or folder can tell where the outcomes went.
    await store.noteSpool(runId, spoolLocation(config, runId));
    return spool;
  } catch (err) {
    release();
    throw err;
  }
}

function spoolLocation(config: Config, runId: string): string {
  return `${hostname()}:${resolve(spoolPath(config, runId))}`;
}

/**
 * Outcomes leave Redis for the spool of the process that writes the reports. A
 * `report` started in another folder or on another host would find neither
 * and print a run that looks unfinished: say where the outcomes are instead.
 */
async function checkSpoolHere(store: RunStore, config: Config, runId: string, done?: number): Promise<void> {
  if (existsSync(spoolPath(config, runId))) return;
  const rows = done ?? (await store.progress(runId))?.done ?? 0;
  if (rows === 0 || (await store.outcomesInRedis(runId)) >= rows) return;
  const where = await store.spoolLocation(runId);
  throw new AppError(
    where
      ? `the outcomes of run ${runId} were moved out of Redis into ${where}; run "connect-backfill report ${runId}" there, or give --reports-dir the folder that holds ${runId}/.outcomes.spool.`
      : `the outcomes of run ${runId} were moved out of Redis and no spool is known for them; give --reports-dir the folder where "run" or "report --follow" wrote ${runId}/.outcomes.spool.`,
  );
}

/**
 * Opens a run's spool for as long as `follow` runs and hands it a `drain` that
 * moves what Redis holds of the run's outcomes into it: one open (and one tail
 * check) per follow, not per drain.
 */
export async function followOutcomes<T>(
  store: RunStore,
  config: Config,
  runId: string,
  follow: (drain: () => Promise<number>, spool: OutcomeSpool) => Promise<T>,
): Promise<T> {
  const spool = await openRunSpool(store, config, runId);
  try {
    return await follow(() => drainOutcomes(store, runId, spool), spool);
  } finally {
    spool.close();
  }
}

/**
 * The header-only failures.xlsx of run `runId`, started in its thread while the run is worked, so that the report
 * of a run without failures finds it written (writeRunReport's `early`); none when the command writes no workbook.
 */
export function startCleanWorkbook(config: Config, runId: string, manifest: RunManifest): EmptyWorkbook | undefined {
  if (!config.failuresWorkbook) return undefined;
  const header = cleanWorkbookHeader({ format: manifest.shape.format, header: manifest.shape.format === "csv" ? manifest.shape.header : undefined });
  return emptyWorkbookApart(join(config.reportsDir, runId, "failures.xlsx"), header);
}

/** Writes (or rewrites) the report files of a run: drains Redis into the spool, then writes from it. */
/**
 * `lockWaitMs`: how long to wait for another writer of the run's folder (default a minute); `held`: the spool this
 * process follows the run with; `early`: its header-only workbook, started by startCleanWorkbook (used or thrown away).
 */
export async function writeRunReport(
  store: RunStore,
  config: Config,
  runId: string,
  lockWaitMs?: number,
  held?: OutcomeSpool,
  early?: EmptyWorkbook,
): Promise<ReportFiles & { html: string; duplicates: number; uploadedTo?: string; uploadProblem?: string; spool: string }> {
  const progress = await store.progress(runId);
  if (!progress) throw new RunNotFoundError(runId, config.prefix);
  const m = progress.manifest;
  const spool = held ?? (await openRunSpool(store, config, runId, progress.done, lockWaitMs));
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
        blankLines: progress.blankLines,
        requests: progress.requests,
        throttled: progress.throttled,
        complete: progress.complete && count >= progress.read && progress.cutShort === undefined,
        dryRun: m.dryRun ? await store.dryRunPlan(runId) : undefined,
        rollbackOf: m.rollbackOf,
        cutShort: progress.cutShort,
        night: m.night,
      },
      outcomes,
      { workbook: config.failuresWorkbook, early },
    ).catch((err: unknown) => {
      // The run's outcomes are safe in the spool: the reports can be written again once the disk has room.
      if (!(err instanceof ReportWriteError)) throw err;
      throw new AppError(
        `${err.message}; run ${runId}'s outcomes are kept in ${spoolPath(config, runId)}: once there is room, "connect-backfill report ${runId}" writes its reports again.`,
        { code: err.code, cause: err },
      );
    });
    // The page a person opens: counts, errors, calls per second, the first failed rows.
    const html = join(files.dir, "report.html");
    await writeHtmlReport(html, { summary: files.summaryData, timeline: await store.timeline(runId), failed: files.failed.first, failedTotal: files.failed.total });
    const spoolAt = spoolLocation(config, runId);
    if (!config.reportsUpload) return { ...files, html, duplicates, spool: spoolAt };
    // Uploaded once written whole; a failed upload never fails the run (its rows were sent): it is said, with how to try again.
    try {
      const uploadedTo = await uploadReport(config.reportsUpload, runId, [
        files.outcomes,
        files.failures,
        ...(files.workbook ? [files.workbook] : []),
        files.summary,
        html,
      ]);
      return { ...files, html, duplicates, spool: spoolAt, uploadedTo };
    } catch (err) {
      const uploadProblem = `${(err as Error).message} The files are in ${files.dir}; "connect-backfill report ${runId} --reports-dir ${config.reportsUpload}" on this host uploads them again`;
      return { ...files, html, duplicates, spool: spoolAt, uploadProblem };
    }
  } finally {
    if (!held) spool.close();
  }
}

/**
 * A stopped or paused run's chunks finish the calls they had in flight (a
 * canary's last rows, among them) before they park: the report waits for them
 * (at most `maxMs`) so it shows every row that was sent.
 */
export async function untilParked(queues: RunQueues, manifest: RunManifest, maxMs = 60_000): Promise<void> {
  const queue = queues.named(queueOfManifest(manifest));
  const end = Date.now() + maxMs;
  while (Date.now() < end) {
    if (((await queue.getJobCounts("active")).active ?? 0) === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
