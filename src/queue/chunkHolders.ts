import type { Job, Queue } from "bullmq";
import type { Redis } from "ioredis";

/** A run's active chunks, told apart by their lock. */
export interface ChunkHolders {
  /** Active chunks whose lock a worker still renews: a worker is on them now. */
  readonly held: number;
  /**
   * Active chunks whose lock expired: their worker died (a SIGKILL, a closed terminal) and no other worker
   * has run BullMQ's stalled check yet. Nobody works them: the next worker on the run takes them up again.
   */
  readonly abandoned: number;
  /** Those chunks themselves (for `cancel`, which settles their rows: nobody else will). */
  readonly abandonedJobs: readonly Job[];
}

/**
 * BullMQ keeps a chunk in its queue's active list from the moment a worker takes it until it completes; the
 * worker renews the chunk's lock (`<prefix>:<queue>:<jobId>:lock`, expiring after --lock-duration) while it
 * lives. So an active chunk without its lock is one nobody holds.
 */
export async function chunkHolders(queue: Queue, redis: Redis): Promise<ChunkHolders> {
  const active = await queue.getActive();
  if (active.length === 0) return { held: 0, abandoned: 0, abandonedJobs: [] };
  const pipe = redis.pipeline();
  for (const job of active) pipe.exists(`${queue.toKey(job.id as string)}:lock`);
  const res = (await pipe.exec()) ?? [];
  const abandonedJobs = active.filter((_, i) => Number(res[i]?.[1] ?? 1) === 0);
  return { held: active.length - abandonedJobs.length, abandoned: abandonedJobs.length, abandonedJobs };
}
