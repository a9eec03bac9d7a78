import { chunkHolders, type ChunkHolders } from "../queue/chunkHolders.js";
import { scopeOf } from "../rate/quotaScope.js";
import { queueOfManifest } from "../queue/RunQueues.js";
import type { RunManifest } from "../domain/run/manifest.js";
import { expectedRows, isHeld, type RunProgress } from "../domain/run/state.js";
import type { OutcomeStatus } from "../domain/Outcome.js";
import type { AppContext } from "./context.js";
import { RunNotFoundError } from "./AppError.js";

export type RunStateName = "queued" | "running" | "paused" | "stopped" | "cancelled" | "finished";

export interface RunStatus {
  readonly runId: string;
  /** As it really is: `running` only while a worker has one of its chunks or outcomes keep coming. */
  readonly state: RunStateName;
  readonly input: string;
  /** The contact operation its rows apply. */
  readonly operation: string;
  readonly parentRunId: string | null;
  /** Set on a rollback: the run whose writes it undoes. */
  readonly rollbackOf?: string;
  readonly total: number | null;
  /** While the file is read: the rows it will hold, estimated from the bytes read so far. */
  readonly expectedTotal?: number;
  readonly counts: Record<OutcomeStatus, number> & { pending: number };
  /** Rows with an outcome per second from the start to the latest outcome (frozen once the run ends). */
  readonly rate: number | null;
  /** Seconds until every row has an outcome at that rate; only for a running run. */
  readonly eta: number | null;
  readonly throttledShare: number;
  readonly governorRate: number | null;
  /** Whose figures `governorRate` is: the quota's scope of the run's target (its account and Region, or its endpoint). */
  readonly governorScope: string;
  readonly stopReason: string | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  /** The latest outcome: the end of a finished run. */
  readonly lastOutcomeAt: string | null;
  /** Chunks BullMQ gave up on while rows of theirs have no outcome: `resume` queues them again. */
  readonly failedChunks: number;
  /**
   * The file is not all queued and its producer has not been seen for a minute:
   * it died, or it was stopped (workers finish only what is queued). What to run.
   */
  readonly producerGone?: string;
  /** Set for a dry run: the calls it would send (nothing was sent). */
  readonly dryRunCalls?: number;
  /** Chunks a live worker holds now (its lock is renewed). */
  readonly heldChunks: number;
  /** Chunks left active by a worker that is gone (their lock expired): the next worker on the run takes them up. */
  readonly abandonedChunks: number;
  /** Rows wait and no worker is on the run: how long none was seen, and the command to start one. */
  readonly noWorker?: string;
}

/** Outcomes within this long mean a worker is on the run even between two chunks. */
const ACTIVE_WINDOW_MS = 10_000;

export async function runStatus(ctx: AppContext, runId: string): Promise<RunStatus> {
  const p = await ctx.store.progress(runId);
  if (!p) throw new RunNotFoundError(runId, ctx.config.prefix);
  const m = p.manifest;
  let state: RunStateName | undefined;
  let failedChunks = 0;
  if (!p.complete && p.state !== "cancelled") {
    const { failedChunks: failed } = await import("../queue/requeueRun.js");
    failedChunks = (await failed(ctx.queues, queueOfManifest(m))).length;
  }
  if (p.state === "cancelled") state = "cancelled";
  else if (p.complete) state = "finished";
  else if (p.state === "stopped") state = "stopped";
  else if (p.state === "paused") state = "paused";
  let holders: Pick<ChunkHolders, "held" | "abandoned"> = { held: 0, abandoned: 0 };
  if (state === undefined) {
    // A chunk left active by a dead worker is not held: only a renewed lock says a worker is on it.
    holders = await chunkHolders(ctx.queues.named(queueOfManifest(m)), ctx.redis);
    state = holders.held > 0 || (p.lastAt !== undefined && Date.now() - p.lastAt < ACTIVE_WINDOW_MS) ? "running" : "queued";
  }
  const sent = p.done - p.counts.invalid; // invalid rows are settled when read, not worked
  // A run that is not moving keeps the rate it had at its latest outcome, instead of falling forever.
  const end = state === "running" ? Date.now() : (p.lastAt ?? Date.now());
  const elapsed = p.startedAt ? (end - p.startedAt) / 1000 : 0;
  const rate = elapsed > 0 && sent > 0 ? sent / elapsed : null;
  const pending = p.pending;
  // While the file is read, what is left is the rows to come too, estimated from the bytes read.
  const expected = expectedRows(p);
  const left = expected === undefined ? pending : Math.max(pending, expected - p.done);
  // The governor of the run's API: quotas (and so rates) are per API.
  const governor = await ctx.store.governor(scopeOf(m.target), m.operation);
  const gov = governor.rate;
  const gone = producerGone(p);
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  return {
    runId,
    state,
    input: m.input,
    operation: m.operation,
    parentRunId: m.parentRunId ?? null,
    ...(m.rollbackOf ? { rollbackOf: m.rollbackOf } : {}),
    total: p.producerDone ? p.read : null,
    ...(!p.producerDone && expected !== undefined ? { expectedTotal: expected } : {}),
    counts: { ...p.counts, pending },
    rate: rate === null ? null : Math.round(rate * 100) / 100,
    eta: state === "finished" ? 0 : state === "running" && rate && failedChunks === 0 ? Math.round(left / rate) : null,
    throttledShare: p.requests > 0 ? Math.round((p.throttled / p.requests) * 10_000) / 10_000 : 0,
    governorRate: gov ? Math.round(Number(gov) * 100) / 100 : null,
    governorScope: governor.scope,
    stopReason: p.stopReason ?? null,
    createdAt: new Date(m.createdAt).toISOString(),
    startedAt: iso(p.startedAt),
    lastOutcomeAt: iso(p.lastAt),
    failedChunks,
    ...(m.dryRun ? { dryRunCalls: p.planned } : {}),
    ...(gone ? { producerGone: gone } : {}),
    heldChunks: holders.held,
    abandonedChunks: holders.abandoned,
    ...(state === "queued" && (pending > 0 || !p.producerDone) ? { noWorker: noWorker(p, runId) } : {}),
  };
}

/** When a worker last showed itself on the run (took a chunk, or wrote an outcome), and what to run. */
function noWorker(p: RunProgress, runId: string): string {
  const seen = Math.max(p.workerAt ?? 0, p.lastAt ?? 0);
  const start = `start one with "connect-backfill work --run-id ${runId}" (with the endpoint and Region the run was queued for)`;
  if (seen === 0) return `no worker has taken any of its chunks in the ${Math.round((Date.now() - p.manifest.createdAt) / 1000)} s since it was queued: ${start}`;
  return `no worker seen for ${Math.round((Date.now() - seen) / 1000)} s: ${start}`;
}

export interface RunList {
  readonly statuses: RunStatus[];
  /** Index entries whose run record is gone (deleted by hand, a lost Redis): `prune` drops them. */
  readonly dangling: string[];
}

/** Every known run, newest first (or the newest `limit`); one entry without its run hides none of the others. */
export async function listRuns(ctx: AppContext, limit = Number.MAX_SAFE_INTEGER): Promise<RunList> {
  const statuses: RunStatus[] = [];
  const dangling: string[] = [];
  for (const id of await ctx.store.list(limit)) {
    try {
      statuses.push(await runStatus(ctx, id));
    } catch (err) {
      if (!(err instanceof RunNotFoundError)) throw err;
      dangling.push(id);
    }
  }
  return { statuses, dangling };
}

/** A producer alive saves its position or says it waits at least every 5 s. */
const PRODUCER_SILENT_MS = 60_000;

function producerGone(p: RunProgress): string | undefined {
  if (p.producerDone || p.state === "cancelled" || isHeld(p.state) || p.producerAt === undefined) return undefined;
  const silent = Date.now() - p.producerAt;
  if (silent < PRODUCER_SILENT_MS) return undefined;
  return `its file is queued up to row ${p.read} and its producer was last seen ${Math.round(silent / 1000)} s ago: queue the rest with ${goOnCommand(p.manifest)}`;
}

/**
 * A producer waiting for room touches the run every 5 s (and saves its position after each batch): seen
 * within 15 s, it is running. Seconds since it was seen, or undefined when none runs (or the file is all queued).
 */
export function producerAlive(p: RunProgress, now = Date.now()): number | undefined {
  if (p.producerDone || p.producerAt === undefined || (p.producerStoppedAt ?? 0) >= p.producerAt) return undefined;
  const silent = now - p.producerAt;
  return silent < 15_000 ? Math.round(silent / 1000) : undefined;
}

/**
 * The command that queues the rest of a run's file. A job's run goes on without its job file too (the run keeps its
 * job, columns, separator and target); the job file, when the night came from one, brings its reports folder and
 * pace back: optional, in brackets (a night run with --job-name has none).
 */
export function goOnCommand(m: RunManifest): string {
  const source = goOnSource(m);
  return `"connect-backfill run ${source} --run-id ${m.runId}" (or "connect-backfill enqueue ${source} --run-id ${m.runId}" beside your workers)`;
}

/** What a suggested `run` of the run reads: its input, after its job's file where it had one (optional: a night started with --job-name has none). */
export function goOnSource(m: RunManifest): string {
  const input = m.input === "-" ? "<the same input>" : m.input;
  return m.job ? `[job ${m.job.name}'s job file, if it had one] ${input}` : input;
}
