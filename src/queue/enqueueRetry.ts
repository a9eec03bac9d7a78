import type { Queue } from "bullmq";
import type { Outcome } from "../report/Outcome.js";
import { addChunks } from "./addChunks.js";
import type { ChunkJobData, ChunkRow } from "./ChunkJob.js";
import type { EnqueueResult } from "./enqueueFile.js";
import { newRunId } from "./enqueueFile.js";
import type { RunManifest, RunStore } from "./RunStore.js";

export interface RetryOptions {
  readonly parent: RunManifest;
  /** The parent's outcomes (any order). */
  readonly outcomes: Iterable<Outcome>;
  /** Also the rows that failed for reasons a retry does not fix by itself (404, 400...). */
  readonly includePermanent: boolean;
  readonly runId?: string | undefined;
  readonly chunkSize: number;
  readonly breakerWindow: number;
  readonly breakerRatio: number;
}

/**
 * A new run made of a run's failed rows, as they were read (their original
 * record and line, so reports still point into the original file), linked to
 * its parent. Rows are queued straight from the parent's outcomes: the file
 * need not be on this host.
 */
export async function enqueueRetry(store: RunStore, queue: Queue, opts: RetryOptions): Promise<EnqueueResult> {
  const runId = opts.runId ?? newRunId();
  const rows: ChunkRow[] = [];
  for (const o of opts.outcomes) {
    if (o.status !== "failed" || !(o.retryable || opts.includePermanent) || !o.original) continue;
    if ("fields" in o.original) rows.push([o.line, [...o.original.fields]]);
    else if ("object" in o.original) rows.push([o.line, o.original.object]);
  }
  if (rows.length === 0) return { runId, rows: 0, invalid: 0, chunks: 0, alreadyQueued: false, resumed: false };
  const { created } = await store.create({
    ...opts.parent,
    runId,
    chunkSize: opts.chunkSize,
    createdAt: Date.now(),
    parentRunId: opts.parent.runId,
    breakerWindow: opts.breakerWindow,
    breakerRatio: opts.breakerRatio,
  });
  if (!created) {
    const p = await store.progress(runId);
    if (p?.producerDone) return { runId, rows: p.read, invalid: 0, chunks: p.chunks, alreadyQueued: true, resumed: false };
  }
  const jobs: ChunkJobData[] = [];
  for (let i = 0; i < rows.length; i += opts.chunkSize) jobs.push({ runId, index: jobs.length, rows: rows.slice(i, i + opts.chunkSize) });
  for (let i = 0; i < jobs.length; i += 20) await addChunks(queue, jobs.slice(i, i + 20), `run retry again with --run-id ${runId}`);
  await store.saveProducerPosition(runId, rows.length, jobs.length, true);
  return { runId, rows: rows.length, invalid: 0, chunks: jobs.length, alreadyQueued: false, resumed: !created };
}
