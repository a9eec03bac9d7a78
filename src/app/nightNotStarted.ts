import { readFile } from "node:fs/promises";
import { loadConfig, type Config, type ConfigFlags } from "../config/loadConfig.js";
import { parseNotify, validateRunId } from "../config/optionChecks.js";
import type { LoadedJob } from "../jobs/JobFile.js";
import { createLogger } from "../log/createLogger.js";
import { connectRedis } from "../queue/redisConnection.js";
import { JobHistory } from "../store/jobHistory.js";
import { keysFor } from "../store/keys.js";
import { within } from "../worker/within.js";
import { tellWebhook, verdictOf } from "./afterRun.js";

/** The run an error ended, when it had been queued already: its end is `stopped`, not `not-started`. */
const startedRuns = new WeakMap<object, string>();

export function noteStartedRun(err: unknown, runId: string): void {
  if (typeof err === "object" && err !== null) startedRuns.set(err, runId);
}

export interface NightNotStarted {
  /** The job file as given on the command line. */
  readonly jobPath: string;
  /** The job, when its file loaded. */
  readonly job?: LoadedJob | undefined;
  /** The configuration, when it loaded (it holds the job's name, webhook and the Redis to write to). */
  readonly config?: Config | undefined;
  /** The command line's own flags (Redis, prefix, log level, webhook secret when the configuration did not load). */
  readonly flags: Readonly<Record<string, string | number | boolean>>;
  readonly env: NodeJS.ProcessEnv;
  /** The sentence the command ended with. */
  readonly reason: string;
  readonly exitCode: number;
  readonly error?: unknown;
}

/**
 * A job's night that ended before (or while) its run was made: no export, Redis away, a bad job file, a
 * check that failed. It is told like any other end: the `run ended` line, a history entry, the webhook,
 * with the job's name, the exit code and the verdict `not-started` (or `stopped` when the run was queued
 * and then could not go on). What cannot be known is left out, never guessed: a job file that is not
 * JSON names no job and no webhook (the `run ended` line names the file), and with Redis away the history
 * cannot be written (the line and the webhook say so).
 */
export async function tellNightNotStarted(night: NightNotStarted): Promise<void> {
  const base = settingsOf(night);
  const raw = night.job || night.config?.jobName ? undefined : await rawJob(night.jobPath);
  const name = night.config?.jobName ?? night.job?.job.name ?? raw?.name;
  const notify = night.config ? night.config.notify : (safeNotify(night.flags.notify) ?? night.job?.job.notify ?? raw?.notify);
  const runId = typeof night.error === "object" && night.error !== null ? startedRuns.get(night.error) : undefined;
  const verdict = verdictOf(night.exitCode, runId !== undefined);
  const event = runId !== undefined ? "stopped" : "not-started";
  const log = createLogger(base?.logLevel ?? "info");
  // A dry run is outside the job's history and webhook, whether it ran or not.
  const dry = night.config ? night.config.dryRun : night.flags["dry-run"] === true || night.job?.job.dryRun === true;
  let history = dry ? "not recorded: a dry run" : "not recorded: the job file names no job";
  if (name !== undefined && !dry) history = await record(base, name, runId, event, verdict, night);
  log.info({ job: name ?? null, jobFile: night.jobPath, runId: runId ?? null, exitCode: night.exitCode, verdict, reason: night.reason, history }, "run ended");
  if (name !== undefined && !dry) {
    await tellWebhook(log, notify, base?.notifySecret, { job: name, runId: runId ?? null, event, verdict, exitCode: night.exitCode, reason: night.reason, history });
  }
}

/** Redis, prefix, log level and secret: the loaded configuration's, else the command line's and the environment's. */
function settingsOf(night: NightNotStarted): Pick<Config, "redisUrl" | "redisCluster" | "prefix" | "logLevel" | "notifySecret"> | undefined {
  if (night.config) return night.config;
  const keep = ["redis-url", "redis-cluster", "prefix", "log-level", "notify-secret"];
  const flags = Object.fromEntries(Object.entries(night.flags).filter(([k]) => keep.includes(k))) as ConfigFlags;
  try {
    return loadConfig(flags, night.env, { interactive: false });
  } catch {
    return undefined;
  }
}

async function record(
  base: ReturnType<typeof settingsOf>,
  job: string,
  runId: string | undefined,
  event: string,
  verdict: string,
  night: NightNotStarted,
): Promise<string> {
  if (!base) return "not recorded: the Redis settings could not be read";
  let redis: Awaited<ReturnType<typeof connectRedis>> | undefined;
  try {
    redis = await connectRedis(base.redisUrl, "command", { cluster: base.redisCluster });
    const history = new JobHistory(redis, keysFor(base.prefix));
    // A run that was queued is told once, whoever sees its end.
    if (runId !== undefined && !(await history.claimEnd(runId, event))) return "recorded by another process";
    await history.record({
      job,
      runId: runId ?? null,
      event,
      verdict,
      startedAt: null,
      endedAt: new Date().toISOString(),
      durationMs: null,
      rows: 0,
      counts: {},
      calls: 0,
      throttledShare: 0,
      exitCode: night.exitCode,
      note: night.reason,
    });
    return "recorded";
  } catch (err) {
    return `not recorded: ${(err as Error).message}`;
  } finally {
    if (redis) {
      await within(redis.quit(), 2_000).catch(() => undefined);
      redis.disconnect();
    }
  }
}

/** A job file that did not pass its checks may still name its job and webhook: used only when they are valid. */
async function rawJob(path: string): Promise<{ name?: string; notify?: string } | undefined> {
  try {
    const text = await readFile(path, "utf8");
    const value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as Record<string, unknown>;
    if (typeof value !== "object" || value === null) return undefined;
    const name = typeof value.name === "string" ? safe(() => validateRunId(value.name as string, "the job name")) : undefined;
    return { ...(name ? { name } : {}), ...(safeNotify(value.notify) ? { notify: safeNotify(value.notify) } : {}) };
  } catch {
    return undefined;
  }
}

function safeNotify(v: unknown): string | undefined {
  return typeof v === "string" ? safe(() => parseNotify(v)) : undefined;
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
