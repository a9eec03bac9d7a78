import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { RunManifest } from "../domain/run/manifest.js";
import type { Keys } from "../store/keys.js";
import { bullmq } from "./bullmqPackage.js";

/**
 * Each run has a BullMQ queue of its own, so a process can work exactly the runs
 * it is meant to: `run` only the run it created, `work --run-id` only those, and a
 * worker pointed at another endpoint never even takes a chunk of a run meant for
 * AWS. One shared queue would make every worker take whatever comes next.
 */
export function queueNameOf(runId: string): string {
  return `chunks.${runId}`;
}

/** The queue a run's chunks are in, as its manifest names it. */
export function queueOfManifest(m: Pick<RunManifest, "queue">): string {
  return m.queue;
}

/** Producer-side Queue handles, one per run, opened when first needed and closed together. */
export class RunQueues {
  private readonly open = new Map<string, Queue>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly onError: (err: Error) => void = () => undefined,
  ) {}

  /** The queue named `name` (queueNameOf(runId), or a manifest's queueOfManifest). */
  named(name: string): Queue {
    let q = this.open.get(name);
    if (!q) {
      q = new (bullmq().Queue)(name, { connection: this.redis, prefix: this.keys.prefix });
      q.on("error", this.onError);
      this.open.set(name, q);
    }
    return q;
  }

  async close(): Promise<void> {
    await Promise.all([...this.open.values()].map((q) => q.close()));
    this.open.clear();
  }
}
