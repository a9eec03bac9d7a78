import type { Queue } from "bullmq";
import { chunkJobId, chunkJobOptions } from "./ChunkJob.js";
import type { RunStore } from "./RunStore.js";

/**
 * Queues a stopped run's parked chunks again. The ids get a resume suffix: the
 * original job ids may still exist (failed jobs are kept), and BullMQ would
 * ignore a duplicate id. Rows that have an outcome are skipped by the worker.
 */
export async function requeueParked(store: RunStore, queue: Queue, runId: string): Promise<number> {
  const chunks = await store.unpark(runId);
  if (chunks.length === 0) return 0;
  const stamp = Date.now().toString(36);
  const jobs = await queue.addBulk(
    chunks.map((data) => ({ name: "chunk", data, opts: { ...chunkJobOptions, jobId: `${chunkJobId(runId, data.index)}.r${stamp}` } })),
  );
  jobs.forEach((job, i) => {
    if (!job?.id) throw new Error(`Redis did not accept resumed chunk ${i} of run ${runId}; run resume again.`);
  });
  return jobs.length;
}
