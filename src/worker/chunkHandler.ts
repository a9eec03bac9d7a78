import type { EventEmitter } from "node:events";
import type { Job } from "bullmq";
import { bullmq } from "../queue/bullmqPackage.js";
import { sleep } from "../lib/sleep.js";
import type { Logger } from "../log/createLogger.js";
import { type ChunkJobData, runOfChunkJobId } from "../queue/ChunkJob.js";
import { type RedisTrouble, redisTrouble } from "../queue/redisTrouble.js";
import type { WorkerEvents } from "./BackfillWorkerOptions.js";
import type { ChunkContext } from "./chunk/ChunkContext.js";
import { processChunk } from "./processChunk.js";
import { workRowsOf } from "./chunk/WorkRow.js";
import type { OutcomeWriter } from "./OutcomeWriter.js";
import type { RunManifest } from "../domain/run/manifest.js";
import { workerFailed } from "../domain/outcomes.js";
import type { RunStore } from "../store/RunStore.js";
import type { WorkerVoice } from "./WorkerVoice.js";

export interface ChunkHandlerDeps {
  readonly ctx: ChunkContext;
  readonly log: Logger;
  readonly say: WorkerVoice;
  readonly events: EventEmitter<WorkerEvents>;
  /** Fires when a graceful stop begins: a wait for Redis ends and the chunk goes back at once. */
  readonly stopNew: AbortSignal;
  /** A chunk taken (+1) or let go (-1): the worker is busy while any is in hand. */
  readonly busy: (delta: 1 | -1) => void;
  readonly runLost: (runId: string, chunk: string) => void;
}

/** A processor of chunks, told when BullMQ finds that the locks of some it holds are no longer its own. */
export type ChunkProcessor = ((job: Job<ChunkJobData>, token?: string) => Promise<void>) & { readonly lockLost: (jobIds: readonly string[]) => void };

/**
 * BullMQ's processor for a run's chunks: processChunk, then what its result means
 * for the job (done, parked, back to the queue without using an attempt), one
 * log line per chunk a person can follow (ids and counts; never values).
 */
export function chunkHandler(deps: ChunkHandlerDeps): ChunkProcessor {
  const { ctx, log, say, events } = deps;
  /**
   * The chunks in hand, each with what stops its new calls once its lock is found lost (a Redis outage longer than
   * the lock, a worker frozen that long): BullMQ has given the chunk to another worker by then, and a call this one
   * started would be the same row sent twice (and a cancel that settled the chunk would have said "not sent").
   */
  const held = new Map<string, AbortController>();
  /** Chunks handed back in a row because Redis refused them: the wait before the next grows with it. */
  let troubleStreak = 0;

  /**
   * Redis refused the chunk's writes or reads. The chunk is kept: it goes back to
   * the queue without using an attempt (BullMQ's moveToDelayed), after a wait that
   * grows while the trouble lasts. If Redis refuses even that, the chunk's lock
   * runs out and BullMQ returns it to the queue as stalled, again without an attempt.
   */
  const handBackInTrouble = async (job: Job<ChunkJobData>, token: string | undefined, kind: RedisTrouble): Promise<never> => {
    say.trouble(kind);
    troubleStreak++;
    try {
      await sleep(Math.min(30_000, 250 * 2 ** Math.min(troubleStreak, 7)), deps.stopNew);
    } catch {
      // stopping: hand back now
    }
    try {
      await job.moveToDelayed(Date.now() + 1_000, token);
    } catch {
      // still refused: left to the lock's expiry (above)
    }
    throw new (bullmq().DelayedError)();
  };

  const process = async (job: Job<ChunkJobData>, token?: string): Promise<void> => {
    deps.busy(1);
    const lost = new AbortController();
    held.set(String(job.id), lost);
    try {
      let result: Awaited<ReturnType<typeof processChunk>>;
      const tally: Record<string, number> = {};
      const started = Date.now();
      try {
        // The run's own queue: taken up only for a run this worker may work (lookForRuns).
        const stopNew = ctx.stopNew ? AbortSignal.any([ctx.stopNew, lost.signal]) : lost.signal;
        result = await processChunk(job.data, { ...ctx, stopNew }, tally);
      } catch (err) {
        const trouble = redisTrouble(err);
        if (!trouble) throw err;
        return await handBackInTrouble(job, token, trouble);
      }
      if (troubleStreak > 0) {
        troubleStreak = 0;
        say.troubleOver();
      }
      // Named from the job's id: when Redis lost the run, the job's own data may be gone too.
      if (result === "unknown-run") deps.runLost(job.data?.runId || runOfChunkJobId(String(job.id)), String(job.id));
      const rows = Object.values(tally).reduce((a, b) => a + b, 0);
      if (rows > 0 || result === "done") {
        const summary = { chunk: String(job.id), rows, counts: tally, ms: Date.now() - started };
        if (result === "done") log.info({ runId: job.data.runId, ...summary }, "chunk finished");
        events.emit("chunk", job.data.runId, summary);
      }
      if (result === "parked") {
        log.warn({ runId: job.data.runId, chunk: job.id }, "run is stopped or paused; chunk parked until resume");
        await say.stopped(job.data.runId);
      }
      if (result === "handback" || result === "waiting") {
        // Back to the queue without using an attempt; another worker (or this one after restart) takes it.
        // A chunk waiting for an earlier line of a contact looks again a little later.
        await job.moveToDelayed(Date.now() + (result === "waiting" ? 500 : 200), token);
        throw new (bullmq().DelayedError)();
      }
    } finally {
      if (held.get(String(job.id)) === lost) held.delete(String(job.id));
      deps.busy(-1);
    }
  };
  const lockLost = (jobIds: readonly string[]) => {
    for (const id of jobIds) {
      const lost = held.get(id);
      if (!lost || lost.signal.aborted) continue;
      log.warn(
        { chunk: id },
        "the chunk's lock was lost (Redis was away longer than --lock-duration, or the process was frozen): no new call of it starts here; its holder now goes on",
      );
      lost.abort();
    }
  };
  return Object.assign(process, { lockLost });
}

/** Rows of a chunk out of attempts that still have no outcome: each gets one (`failed`, with why), never lost. */
export async function reportRemaining(
  store: Pick<RunStore, "finished">,
  writer: Pick<OutcomeWriter, "add">,
  data: ChunkJobData,
  run: RunManifest | undefined,
  why: string,
): Promise<void> {
  const finished = await store.finished(
    data.runId,
    data.rows.map(([l]) => l),
  );
  for (const row of workRowsOf(data, { columns: run?.columns, defaultInstanceId: run?.defaultInstanceId })) {
    if (finished.has(row.line)) continue;
    await writer.add(data.runId, { outcome: workerFailed({ line: row.line, contactId: row.contactId, instanceId: row.instanceId }, why, row.original), flag: 0 });
  }
}
