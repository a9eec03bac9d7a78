import type { JobsOptions } from "bullmq";

export type { ChunkJobData, QueuedRow } from "../domain/queuedRow.js";

/** Deterministic, so re-running the producer cannot add a chunk twice (no ":" and never all digits). */
export function chunkJobId(runId: string, index: number): string {
  return `${runId}.c${index}`;
}

/** The run a chunk job's id names (its data may be gone: Redis lost it under the worker holding the job). */
export function runOfChunkJobId(id: string): string {
  const at = id.lastIndexOf(".c");
  return at > 0 ? id.slice(0, at) : id;
}

export const chunkJobOptions: JobsOptions = {
  // Row-level retries live inside the processor; these cover the processor itself
  // failing (Redis gone mid-chunk, a bug). Rows already done are never re-sent.
  attempts: 8,
  backoff: { type: "exponential", delay: 2_000 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600 },
};
