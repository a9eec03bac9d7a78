import type { RunManifest } from "../domain/run/manifest.js";
import { notifyWebhook, type RunEvent } from "../report/notifyWebhook.js";
import type { RunSummary } from "../domain/RunSummary.js";
import type { AppContext } from "./context.js";

/** The event a run's end is, for the history and the webhook. */
export function eventOf(stopReason: string | undefined): RunEvent {
  if (!stopReason) return "finished";
  return stopReason === "cancelled" ? "cancelled" : "stopped";
}

/**
 * What a job's run does once its reports are written: a line in the job's
 * history, and the webhook told. Neither ever fails the run: a failure is
 * logged (the URL's query string may hold a token: only its origin is named).
 */
export async function afterJobRun(
  ctx: Pick<AppContext, "store" | "log">,
  manifest: RunManifest,
  summary: RunSummary,
  stopReason: string | undefined,
  exitCode: number,
): Promise<void> {
  const job = manifest.job;
  // Interrupted (Ctrl-C on `run`): the run goes on with other workers; its end is told by whoever sees it.
  // A dry run changed nothing; a paused canary has not ended (its end is told once resumed and finished).
  if (!job || stopReason === "interrupted" || manifest.dryRun) return;
  if ((await ctx.store.state(manifest.runId).catch(() => undefined))?.state === "paused") return;
  const event = eventOf(stopReason);
  // Told once per run, whoever sees the end first (`cancel`, the follower, `run`): one history line, one webhook.
  const first = await ctx.store.jobHistory.claimEnd(manifest.runId, event).catch(() => true);
  if (!first) return;
  try {
    await ctx.store.jobHistory.record({
      job: job.name,
      runId: manifest.runId,
      event,
      startedAt: summary.startedAt ?? null,
      endedAt: summary.finishedAt ?? new Date().toISOString(),
      durationMs: summary.durationMs ?? null,
      rows: summary.rows,
      counts: { ...summary.counts },
      calls: summary.requests,
      throttledShare: summary.throttledShare,
      exitCode,
      ...(stopReason && stopReason !== "cancelled" ? { note: stopReason } : {}),
    });
  } catch (err) {
    ctx.log.warn({ runId: manifest.runId, job: job.name, err }, "could not record the run in the job's history");
  }
  if (!job.notify) return;
  const res = await notifyWebhook(job.notify, event, summary);
  const where = originOf(job.notify);
  if (res.ok) ctx.log.info({ runId: manifest.runId, job: job.name, tries: res.tries }, `notified ${where} (${event})`);
  else ctx.log.warn({ runId: manifest.runId, job: job.name, tries: res.tries }, `could not notify ${where} (${res.detail}); the run is not affected`);
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "(the notify URL)";
  }
}
