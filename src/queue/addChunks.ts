import type { Queue } from "bullmq";
import { chunkJobId, chunkJobOptions, type ChunkJobData } from "./ChunkJob.js";

/**
 * Queues chunk jobs in one addBulk round trip. addBulk is a pipeline, not a
 * transaction: every returned id is checked, and a chunk that did not land
 * throws with `again` (what to run to go on) in the message.
 * `suffix` makes ids new for chunks queued a second time on purpose (resume).
 */
export async function addChunks(queue: Queue, chunks: readonly ChunkJobData[], again: string, suffix = ""): Promise<void> {
  if (chunks.length === 0) return;
  const ids = chunks.map((c) => `${chunkJobId(c.runId, c.index)}${suffix}`);
  const jobs = await queue.addBulk(chunks.map((data, i) => ({ name: "chunk", data, opts: { ...chunkJobOptions, jobId: ids[i] as string } })));
  jobs.forEach((job, i) => {
    if (!job || job.id !== ids[i]) throw new Error(`Redis did not accept chunk ${ids[i]} (got id ${String(job?.id)}); ${again}.`);
  });
}
