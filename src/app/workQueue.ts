import type { ConnectClient } from "@aws-sdk/client-connect";
import { sleep } from "../lib/sleep.js";
import { within } from "../worker/within.js";
import { metricsFor } from "./metricsFor.js";
import { workerFor } from "./workerFor.js";
import type { AppContext } from "./context.js";
import { type RunManifest, targetMismatch } from "../domain/run/manifest.js";
import { atRunRate, configForRun, refuseConflicts } from "./runSettings.js";

export interface WorkOptions {
  readonly client?: ConnectClient;
  /** First abort: graceful stop. */
  readonly signal: AbortSignal;
  /** Abort: cancel calls in flight at once (second SIGINT/SIGTERM). */
  readonly hardSignal?: AbortSignal;
}

/** `connect-backfill work`: processes chunks of every run (or of --run-id's) until stopped (or idle, with --exit-when-idle). */
export async function workQueue(ctx: AppContext, opts: WorkOptions): Promise<void> {
  ctx = await aimedAtRuns(ctx, opts.signal);
  // Stopped while it waited for its runs: no worker is started.
  if (opts.signal.aborted) return;
  const { config } = ctx;
  const worker = workerFor(ctx, opts.client ? { client: opts.client } : {});
  opts.hardSignal?.addEventListener("abort", () => worker.abortInFlight(), { once: true });
  // Listening before the first chunk is taken: no call or outcome goes uncounted.
  const stopMetrics = await metricsFor(ctx, worker);
  worker.start();
  await worker.waitUntilReady();
  // Due times of job schedules: any `work` process takes them (not one restricted to some runs, nor tests' idle runs).
  const scheduler = config.onlyRuns.length === 0 && !config.exitWhenIdle ? (await import("./scheduler.js")).startScheduler(ctx, opts.signal) : undefined;
  ctx.log.info({ rate: config.rate, concurrency: config.concurrency, runs: config.onlyRuns.length > 0 ? config.onlyRuns : "all" }, "worker started");
  let idleSince: number | undefined;
  while (!opts.signal.aborted) {
    // Woken by the signal at once: calls went on starting for up to 0.1 s after a Ctrl-C or SIGTERM.
    await sleep(100, opts.signal).catch(() => undefined);
    if (!config.exitWhenIdle) continue;
    if (await worker.idle()) {
      idleSince ??= Date.now();
      // Twice in a row, 0.3 s apart: a chunk handed over between two looks is not missed.
      if (Date.now() - idleSince >= 300) break;
    } else idleSince = undefined;
  }
  ctx.log.info("worker stopping: no new chunks; finishing calls in flight");
  // No call starts from here (the worker's close says so first), while the scheduler closes beside it. A scheduled run
  // this process follows is left to the others: its due time returns to the queue when the lock expires.
  const closing = worker.close(config.shutdownTimeoutMs);
  if (scheduler) await within(scheduler.close(true), 2_000);
  await closing;
  await stopMetrics();
  ctx.log.info("worker stopped");
}

/**
 * `work --run-id`: runs that exist and were all queued for one target are worked there, whatever the shell
 * says (a run keeps its target, as every command on it does); a flag that disagrees is refused. Runs not made
 * yet are waited for while none is (not with --exit-when-idle: it ends when there is nothing to do); runs of
 * several targets leave the worker aimed by its command (the others are left alone, said once).
 */
async function aimedAtRuns(ctx: AppContext, signal: AbortSignal): Promise<AppContext> {
  const ids = [...new Set(ctx.config.onlyRuns)];
  if (ids.length === 0) return ctx;
  let runs = await Promise.all(ids.map((id) => ctx.store.manifest(id).catch(() => undefined)));
  // Started before its runs are made (a script's or a cluster's workers first, the producer after): it waits for
  // them, so it is aimed where they are queued, not where its own command points (it would leave them alone).
  // Only while none is made: those made are worked at once (a night whose guards stopped it is never made).
  if (!ctx.config.exitWhenIdle && runs.every((r) => !r)) {
    ctx.log.info({ runs: ids }, `waiting for run${ids.length > 1 ? "s" : ""} ${ids.join(", ")} to be made (enqueue or run with --run-id); then working them`);
    while (!signal.aborted && runs.every((r) => !r)) {
      await new Promise((r) => setTimeout(r, 500));
      runs = await Promise.all(ids.map((id) => ctx.store.manifest(id).catch(() => undefined)));
    }
  }
  // Aimed where the runs made so far are queued, when that is one target (a run made later elsewhere is left alone, said once).
  const made = runs.filter((r): r is RunManifest => r !== undefined);
  const first = made[0];
  if (!first || made.some((r) => targetMismatch(r.target, first.target) !== undefined || r.target.region !== first.target.region)) return ctx;
  // One run: its own --rate is its own, as for `run --run-id` (with several, each run's pace holds it to its own).
  for (const run of made) refuseConflicts(run, ctx.config, undefined, { rate: ids.length === 1 });
  // One run: its own rate too, when it has one and the command gives none (several runs: each keeps its own pace).
  const aimed = configForRun(ctx.config, first.target);
  return { ...ctx, config: ids.length === 1 ? atRunRate(aimed, first) : aimed };
}
