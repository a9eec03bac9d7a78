import type { JobsOptions } from "bullmq";

/**
 * One queued row: its line, the record as read (CSV fields or the JSONL object),
 * and, for a contact met before in the file, `prev`: the previous line of the same
 * contact, which must be applied first. `omit` (retry runs only) lists attributes
 * not to send because a later line of the contact already applied them, with that line.
 */
export type ChunkRow = [line: number, record: string[] | Record<string, unknown>, prev?: number, omit?: Array<[key: string, line: number]>];

/**
 * A job carries a few hundred rows instead of one: one job per row costs ~740 bytes
 * of Redis and ~16k rows/s to enqueue (shared/reference/bullmq-v6.md); a chunk
 * costs about the size of its rows.
 */
export interface ChunkJobData {
  readonly runId: string;
  readonly index: number;
  readonly rows: ChunkRow[];
}

/** Deterministic, so re-running the producer cannot add a chunk twice (no ":" and never all digits). */
export function chunkJobId(runId: string, index: number): string {
  return `${runId}.c${index}`;
}

export const chunkJobOptions: JobsOptions = {
  // Row-level retries live inside the processor; these cover the processor itself
  // failing (Redis gone mid-chunk, a bug). Rows already done are never re-sent.
  attempts: 8,
  backoff: { type: "exponential", delay: 2_000 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600 },
};
