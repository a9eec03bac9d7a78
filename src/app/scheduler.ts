import type { Job, Worker } from "bullmq";
import { bullmq } from "../queue/bullmqPackage.js";
import type { Config } from "../config/loadConfig.js";
import { loadJob } from "../jobs/loadJob.js";
import { Condition } from "../lib/Condition.js";
import { redisTrouble } from "../queue/redisTrouble.js";
import { columnMappingOf } from "../jobs/columnMapping.js";
import { enqueueFile, newRunId } from "../queue/enqueueFile.js";
import { targetMismatch } from "../domain/run/manifest.js";
import { isHeld } from "../domain/run/state.js";
import { SCHEDULES_QUEUE, type ScheduleData } from "../queue/JobSchedules.js";
import { formatOf } from "../input/openSource.js";
import { afterJobRun, eventOf } from "./afterRun.js";
import { endProducer, type RunningProducer, startProducer } from "./startProducer.js";
import type { AppContext } from "./context.js";
import { enqueueOptions } from "./enqueueOptions.js";
import { settleAhead } from "./settleAhead.js";
import { exitCodeOf } from "./exitCode.js";
import { followRun } from "./followRun.js";
import { writeRunReport } from "./report.js";
import { configForRun } from "./runSettings.js";

/**
 * Runs a job when its schedule is due, in a `work` process: reads the job file
 * (it must be readable on this host), queues its input as a new run (which this
 * and every other worker then work), follows it to the end, writes its reports
 * on this host and tells the job's history and webhook. A due time that finds the
 * job's previous run still going is skipped, logged and recorded.
 */
export async function runDueJob(ctx: AppContext, data: ScheduleData, onRun: (runId: string) => Promise<void>, signal: AbortSignal): Promise<string> {
  const history = ctx.store.jobHistory;
  const skip = async (note: string) => {
    ctx.log.warn({ job: data.name }, note);
    await history.record({
      job: data.name,
      runId: null,
      event: "skipped",
      startedAt: null,
      endedAt: new Date().toISOString(),
      durationMs: null,
      rows: 0,
      counts: {},
      calls: 0,
      throttledShare: 0,
      exitCode: null,
      note,
    });
    return "skipped";
  };
  let runId = data.runId;
  let loaded: Awaited<ReturnType<typeof loadJob>>;
  try {
    loaded = await loadJob(data.jobFile);
  } catch (err) {
    return skip(`job ${data.name}: due now, but ${(err as Error).message}`);
  }
  const { scheduledJobConfig } = await import("./jobConfig.js");
  const asJob: Config = scheduledJobConfig(loaded, ctx.config);
  // Workers leave a run aimed elsewhere alone: queued anyway, it would wait for ever and block every later due time.
  const elsewhere = targetMismatch(asJob.target, ctx.config.target);
  if (elsewhere) return skip(`job ${data.name}: due now, but this work process cannot work it (${elsewhere}); give the job the workers' endpoint and region`);
  // Before anything is queued, as `run` does: a night that cannot start is said, not a file of failed rows.
  const { checkTarget } = await import("./checkTarget.js");
  const checked = await checkTarget(ctx, { target: asJob.target, instanceId: asJob.instanceId, askConnect: false, timeoutMs: asJob.requestTimeoutMs });
  if (checked.problems.length > 0) return skip(`job ${data.name}: due now, but it cannot start: ${checked.problems.join(" ")}`);
  // The Region the SDK resolved is recorded in the run when the job gives none.
  const config = configForRun(asJob, { ...asJob.target, region: asJob.target.region ?? checked.region });
  const mapping = columnMappingOf(loaded.job);
  const guards = loaded.job.guards;
  // The producer keeps a window of the file in Redis: it goes on while the run is followed (which moves outcomes out).
  const queue = (id: string) =>
    startProducer((onReady, stop) =>
      enqueueFile(ctx.store, ctx.queues, {
        ...enqueueOptions(config, loaded.inputPath, formatOf(loaded.inputPath, config.format)),
        runId: id,
        settleFirst: settleAhead(ctx, id),
        ...(mapping ? { mapping } : {}),
        ...(guards ? { guards } : {}),
        onReady,
        signal: stop,
        onWait: (why) => ctx.log.info({ job: data.name, runId: id }, `producer waits: ${why}`),
        onWaitOver: (why, seconds) => ctx.log.info({ job: data.name, runId: id }, `producer waited ${seconds} s in all, now goes on: ${why}`),
      }),
    );
  let producer: RunningProducer | undefined;
  if (!runId) {
    // The run the job started last: a due time that finds it still going is skipped (no overlap).
    const { runId: prevId, at: prevAt } = await history.currentRun(data.name);
    const p = prevId ? await ctx.store.progress(prevId) : undefined;
    // Going: not finished, or so new that its run is not created yet (a due time taken by another process just now).
    const going = prevId !== undefined && (p ? !p.complete && p.state !== "cancelled" && !isHeld(p.state) : Date.now() - prevAt < 60_000);
    if (going) return skip(`job ${data.name}: due now, but its previous run ${prevId} is still going; this time is skipped`);
    runId = newRunId(new Date(), data.name);
    await history.setCurrentRun(data.name, runId);
    await onRun(runId);
    if (loaded.inputNote) ctx.log.info({ job: data.name, runId }, loaded.inputNote);
    const id = runId;
    producer = queue(id);
    void producer.done.then((enq) => {
      if (enq && !enq.interrupted) ctx.log.info({ job: data.name, runId: id }, `job ${data.name}: run ${id} queued from ${loaded.inputPath}`);
    });
  } else if (!(await ctx.store.progress(runId))?.producerDone) {
    // Taken again after a crash of the process that started it while it was queueing: queueing goes on where it stopped.
    producer = queue(runId);
  }
  await producer?.started;
  const id = runId;
  let followed: Awaited<ReturnType<typeof followRun>> | undefined;
  try {
    followed = await followRun(ctx.store, config, id, signal, ctx.queues, producer?.check);
  } finally {
    if (producer) await endProducer(producer, followed?.paused === true && (await ctx.store.manifest(id))?.night?.breach !== undefined);
  }
  const { stopReason, interrupted, paused } = followed;
  // A `work` process that stops leaves the run to the others (and this due time to another process).
  if (interrupted) throw new Error("stopping");
  const report = await writeRunReport(ctx.store, config, id);
  const manifest = await ctx.store.manifest(id);
  if (manifest) await afterJobRun(ctx, manifest, report.summaryData, stopReason, exitCodeOf({ stopReason, paused, report }));
  ctx.log.info({ job: data.name, runId: id, reports: report.dir }, `job ${data.name}: run ${id} ${eventOf(stopReason)}`);
  return id;
}

/** The due times of every job's schedule, taken by this `work` process (any number of them run; BullMQ gives each due time to one). */
export function startScheduler(ctx: AppContext, signal: AbortSignal): Worker<ScheduleData> {
  const worker = new (bullmq().Worker)<ScheduleData>(
    SCHEDULES_QUEUE,
    async (job: Job<ScheduleData>) => runDueJob(ctx, job.data, (runId) => job.updateData({ ...job.data, runId }), signal),
    // A run lasts hours: the lock is renewed by BullMQ; a process that dies hands the due time over after it.
    { connection: ctx.redis, prefix: ctx.keys.prefix, concurrency: 4, lockDuration: 60_000, maxStalledCount: 50 },
  );
  worker.on("failed", (job, err) => ctx.log.error({ job: job?.data.name, err }, "a scheduled job failed"));
  // While Redis is away BullMQ reports every reconnect attempt (about 3 a second): said once, and once back.
  const away = new Condition({
    start: () => ctx.log.warn("scheduler: Redis does not answer; due times wait for it (nothing is lost)"),
    end: (_k, _d, seconds) => ctx.log.info(`scheduler: Redis answers again after ${seconds} s; due times go on`),
  });
  const back = () => away.over();
  ctx.redis.on("ready", back);
  worker.on("closed", () => ctx.redis.off("ready", back));
  worker.on("error", (err) => {
    if (redisTrouble(err)) away.holds("away");
    else ctx.log.error({ err }, "scheduler error");
  });
  return worker;
}
