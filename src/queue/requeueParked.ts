import { addChunks } from "./addChunks.js";
import { queueOfManifest, type RunQueues } from "./RunQueues.js";
import type { RunStore } from "./RunStore.js";

/**
 * Queues a stopped run's parked chunks again. The ids get a resume suffix: the
 * original job ids may still exist (failed jobs are kept), and BullMQ would
 * ignore a duplicate id. Rows that have an outcome are skipped by the worker.
 */
export async function requeueParked(store: RunStore, queues: RunQueues, runId: string): Promise<number> {
  const manifest = await store.manifest(runId);
  if (!manifest) return 0;
  const queue = queues.named(queueOfManifest(manifest));
  // Unstopped first (or workers would park the chunks again), queued, then unparked:
  // a failure in between leaves them parked for the next resume.
  await store.clearStop(runId);
  const chunks = await store.parked(runId);
  await addChunks(queue, chunks, "run resume again", `.r${Date.now().toString(36)}`);
  await store.dropParked(runId, chunks.length);
  return chunks.length;
}
