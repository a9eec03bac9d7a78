import type { Job } from "bullmq";
import { addChunks } from "./addChunks.js";
import type { ChunkJobData } from "./ChunkJob.js";
import { queueOfManifest, type RunQueues } from "./RunQueues.js";
import type { RunStore } from "../store/RunStore.js";

export interface Requeued {
  /** Chunks the circuit breaker parked. */
  readonly parked: number;
  /** Chunks BullMQ gave up on (out of attempts, or stalled too often): their rows had no outcome. */
  readonly failed: number;
}

/** The run's chunks that BullMQ failed outright (its queue is its own). */
export async function failedChunks(queues: RunQueues, queueName: string): Promise<Array<Job<ChunkJobData>>> {
  const jobs = (await queues.named(queueName).getFailed(0, -1)) as Array<Job<ChunkJobData> | undefined>;
  return jobs.filter((j): j is Job<ChunkJobData> => j !== undefined);
}

/**
 * Queues a run's stuck chunks again: those the circuit breaker parked, and those
 * BullMQ failed outright (a full Redis, a bug), whose rows would otherwise stay
 * pending for ever. The ids get a resume suffix: the original job ids may still
 * exist, and BullMQ would ignore a duplicate id. Rows that have an outcome are
 * skipped by the worker, so queueing a chunk twice sends nothing twice.
 */
export async function requeueRun(store: RunStore<ChunkJobData>, queues: RunQueues, runId: string): Promise<Requeued> {
  const manifest = await store.manifest(runId);
  if (!manifest) return { parked: 0, failed: 0 };
  const name = queueOfManifest(manifest);
  const queue = queues.named(name);
  const suffix = `.r${Date.now().toString(36)}`;
  // Unstopped first (or workers would park the chunks again), queued, then unparked:
  // a failure in between leaves them parked for the next resume.
  await store.clearStop(runId);
  const parked = await store.parked(runId);
  await addChunks(queue, parked, "run resume again", suffix);
  await store.dropParked(runId, parked.length);
  // Failed jobs: queued anew first, removed after, so a crash in between loses nothing.
  const failed = await failedChunks(queues, name);
  await addChunks(
    queue,
    failed.map((j) => j.data),
    "run resume again",
    `${suffix}f`,
  );
  for (const j of failed) await j.remove();
  return { parked: parked.length, failed: failed.length };
}
