import type { Worker } from "bullmq";
import { bullmq } from "../queue/bullmqPackage.js";
import type { Redis } from "ioredis";
import type { Logger } from "../log/createLogger.js";
import type { ChunkJobData } from "../queue/ChunkJob.js";
import { redisTrouble } from "../queue/redisTrouble.js";
import type { Keys } from "../store/keys.js";
import type { WorkerVoice } from "./WorkerVoice.js";
import type { ChunkProcessor } from "./chunkHandler.js";

export interface RunQueueWorkerOptions {
  readonly redis: Redis;
  readonly keys: Keys;
  readonly log: Logger;
  readonly concurrency: number;
  readonly chunkSize: number;
  readonly lockDurationMs: number;
  readonly say: WorkerVoice;
  /** A chunk out of attempts: the rows still without an outcome are reported, never lost. */
  readonly failRemaining: (data: ChunkJobData, err: Error) => Promise<void>;
}

/** A BullMQ worker on one run's queue, running `process` for each chunk. */
export function runQueueWorker(name: string, process: ChunkProcessor, opts: RunQueueWorkerOptions): Worker<ChunkJobData> {
  const worker = new (bullmq().Worker)<ChunkJobData>(name, process, {
    connection: opts.redis,
    prefix: opts.keys.prefix,
    // enough chunks in hand that the tail of one does not leave the call budget idle
    concurrency: Math.max(2, Math.min(opts.concurrency, Math.ceil((3 * opts.concurrency) / opts.chunkSize))),
    lockDuration: opts.lockDurationMs,
    stalledInterval: opts.lockDurationMs,
    // A chunk may be interrupted by several crashes in a long backfill; it must not fail for that.
    maxStalledCount: 50,
    autorun: false,
  });
  worker.on("failed", (job, err) => {
    if (!job || err instanceof bullmq().DelayedError || err.name === "DelayedError") return;
    opts.log.error({ runId: job.data.runId, chunk: job.id, attempt: job.attemptsMade, err }, "chunk failed");
    if (job.attemptsMade >= (job.opts.attempts ?? 1)) {
      // Caught: an unhandled rejection would end the process (and Node would print the command's arguments).
      opts
        .failRemaining(job.data, err)
        .catch((e: unknown) =>
          opts.log.error(
            { runId: job.data.runId, chunk: job.id, err: e },
            `the rows of a failed chunk could not be reported; "connect-backfill resume ${job.data.runId}" queues them again`,
          ),
        );
    }
  });
  // Renewed and refused (not merely unreachable): the chunk is another worker's now.
  worker.on("lockRenewalFailed", (jobIds) => process.lockLost(jobIds));
  worker.on("error", (err) => {
    const trouble = redisTrouble(err);
    if (trouble) opts.say.trouble(trouble);
    else opts.log.error({ err }, "worker error");
  });
  void worker.run().catch((err: unknown) => opts.log.error({ err }, "worker stopped"));
  return worker;
}
