import type { RunManifest } from "../domain/run/manifest.js";
import { notifyWebhook, type RunEvent } from "../report/notifyWebhook.js";
import type { RunSummary } from "../domain/RunSummary.js";
import type { HistoryEntry } from "../store/jobHistory.js";
import type { NightReading } from "../domain/run/nightGuards.js";
import type { AppContext } from "./context.js";
import { EXIT } from "./exitCode.js";

/**
 * How a job's night ended, in one word cron mail, the history and a chat channel agree on:
 * `ok` (exit 0), `failed-rows` (exit 3: the run ended, some rows invalid or failed), `stopped`
 * (the run was stopped, cancelled or could not go on), `not-started` (nothing was queued: no
 * export, Redis away, a bad job file, a check that failed) or `paused` (exit 4: its guards or a canary
 * paused it for a person to decide).
 */
export type Verdict = "ok" | "failed-rows" | "stopped" | "not-started" | "paused";

export function verdictOf(exitCode: number, started = true): Verdict {
  if (!started) return "not-started";
  if (exitCode === EXIT.ok) return "ok";
  // Exit 4: the night waits for `resume` or `cancel` (its guards, or a canary).
  if (exitCode === EXIT.paused) return "paused";
  if (exitCode === EXIT.someRowsFailed) return "failed-rows";
  return "stopped";
}

/** The event a run's end is, for the history and the webhook. */
export function eventOf(stopReason: string | undefined): RunEvent {
  if (!stopReason) return "finished";
  return stopReason === "cancelled" ? "cancelled" : "stopped";
}

/** What a webhook receives and a person reads first (Slack's `text`): the job, the verdict, the exit code, the gist. */
export interface NightMessage {
  readonly job: string;
  readonly runId: string | null;
  readonly event: RunEvent;
  readonly verdict: Verdict;
  readonly exitCode: number;
  /** A run that could not start or go on: why, in one sentence. */
  readonly reason?: string;
  /** "recorded", or why the history could not be written (Redis away). */
  readonly history: string;
  readonly summary?: RunSummary;
  /** A job with guards: the night's figures as judged when its run was made, and each bound's verdict. */
  readonly night?: NightReading;
}

export function nightText(m: Omit<NightMessage, "history"> & { readonly history?: string }): string {
  const s = m.summary;
  const counts = s
    ? Object.entries(s.counts)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${k} ${n}`)
        .join(", ")
    : "";
  const what = s ? `: ${s.rows} rows (${counts || "none"}), ${s.requests} calls` : "";
  const run = m.runId ? `run ${m.runId} ` : "";
  const why = m.reason ? `: ${m.reason}` : "";
  // A pause is no end: the history line comes when the night ends.
  const history = m.history && m.history !== "recorded" && m.event !== "paused" ? ` (history ${m.history})` : "";
  return `job ${m.job}: ${run}${m.verdict} (exit ${m.exitCode})${what}${why}${history}`;
}

/** Tells the webhook, if the job has one; a failure is logged (only the URL's origin: its query may hold a token). */
export async function tellWebhook(log: AppContext["log"], notify: string | undefined, secret: string | undefined, m: NightMessage): Promise<void> {
  if (!notify) return;
  const res = await notifyWebhook(notify, { ...m, text: nightText(m) }, { secret });
  const where = originOf(notify);
  const ids = { runId: m.runId, job: m.job, tries: res.tries };
  if (res.ok) log.info(ids, `notified ${where} (${m.event}, ${m.verdict})`);
  else log.warn(ids, `could not notify ${where} (${res.detail}); the run is not affected`);
}

/**
 * What a job's run does once its reports are written: a line in the job's
 * history, and the webhook told. Neither ever fails the run: a failure is logged.
 */
export async function afterJobRun(
  ctx: Pick<AppContext, "store" | "log"> & { readonly config?: Pick<AppContext["config"], "notifySecret"> },
  manifest: RunManifest,
  summary: RunSummary,
  stopReason: string | undefined,
  exitCode: number,
): Promise<void> {
  const job = manifest.job;
  // Interrupted (Ctrl-C on `run`): the run goes on with other workers; its end is told by whoever sees it.
  // A dry run changed nothing; a paused night has not ended: its pause is told now, its end once resumed and finished.
  if (!job || stopReason === "interrupted" || manifest.dryRun) return;
  const now = await ctx.store.state(manifest.runId).catch(() => undefined);
  if (now?.state === "paused") return tellPause(ctx, manifest, now.stopReason, summary);
  const event = eventOf(stopReason);
  // Told once per run, whoever sees the end first (`cancel`, the follower, `run`): one history line, one webhook.
  const first = await ctx.store.jobHistory.claimEnd(manifest.runId, event).catch(() => true);
  if (!first) return;
  const verdict = verdictOf(exitCode);
  const note = stopReason && stopReason !== "cancelled" ? stopReason : undefined;
  const entry: HistoryEntry = {
    job: job.name,
    runId: manifest.runId,
    event,
    verdict,
    startedAt: summary.startedAt ?? null,
    endedAt: summary.finishedAt ?? new Date().toISOString(),
    durationMs: summary.durationMs ?? null,
    rows: summary.rows,
    counts: { ...summary.counts },
    calls: summary.requests,
    throttledShare: summary.throttledShare,
    exitCode,
    invalidShare: summary.rows > 0 ? summary.counts.invalid / summary.rows : 0,
    ...(manifest.night ? { judged: true, changedShare: manifest.night.changedShare } : {}),
    ...(note ? { note } : {}),
  };
  let history = "recorded";
  try {
    await ctx.store.jobHistory.record(entry);
  } catch (err) {
    history = `not recorded (${(err as Error).message})`;
    ctx.log.warn({ runId: manifest.runId, job: job.name, err }, "could not record the run in the job's history");
  }
  await tellWebhook(ctx.log, job.notify, ctx.config?.notifySecret, {
    job: job.name,
    runId: manifest.runId,
    event,
    verdict,
    exitCode,
    ...(note ? { reason: note } : {}),
    history,
    summary,
    ...(manifest.night ? { night: manifest.night } : {}),
  });
}

/**
 * A job's night that waits for a person (its guards, or a canary): the webhook is told once, with the pause's
 * sentence (the breached bound and its numbers) and the night's figures. No history line: the night has not ended.
 */
export async function tellPause(
  ctx: Pick<AppContext, "store" | "log"> & { readonly config?: Pick<AppContext["config"], "notifySecret"> },
  manifest: RunManifest,
  reason: string | undefined,
  summary?: RunSummary,
): Promise<void> {
  const job = manifest.job;
  if (!job || manifest.dryRun) return;
  if (!(await ctx.store.jobHistory.claimPause(manifest.runId).catch(() => true))) return;
  await tellWebhook(ctx.log, job.notify, ctx.config?.notifySecret, {
    job: job.name,
    runId: manifest.runId,
    event: "paused",
    verdict: "paused",
    exitCode: EXIT.paused,
    ...(reason ? { reason } : {}),
    history: "not yet: the night has not ended",
    ...(summary ? { summary } : {}),
    ...(manifest.night ? { night: manifest.night } : {}),
  });
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "(the notify URL)";
  }
}
