import type { Queue } from "bullmq";
import { addChunks } from "./addChunks.js";
import type { RunStore } from "./RunStore.js";

/**
 * Queues a stopped run's parked chunks again. The ids get a resume suffix: the
 * original job ids may still exist (failed jobs are kept), and BullMQ would
 * ignore a duplicate id. Rows that have an outcome are skipped by the worker.
 */
export async function requeueParked(store: RunStore, queue: Queue, runId: string): Promise<number> {
  // Unstopped first (or workers would park the chunks again), queued, then unparked:
  // a failure in between leaves them parked for the next resume.
  await store.clearStop(runId);
  const chunks = await store.parked(runId);
  await addChunks(queue, chunks, "run resume again", `.r${Date.now().toString(36)}`);
  await store.dropParked(runId, chunks.length);
  return chunks.length;
}
