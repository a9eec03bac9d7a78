import type { Queue } from "bullmq";
import { Conditions } from "../lib/Conditions.js";
import type { RunStore } from "../store/RunStore.js";
import type { EnqueueOptions, QueueWindow } from "./EnqueueOptions.js";

/** The run was cancelled while its file was read: the rows read so far are the run. */
export class RunCancelled extends Error {}
/** The producer stopped (its run stopped, paused or interrupted): the same command goes on where it stopped. */
export class ProducerStopped extends Error {}

/** A wait for room is over once the producer found room for this long (it fills again at every batch meanwhile). */
const WAIT_SETTLE_MS = 10_000;

export interface WindowOf {
  readonly runId: string;
  /**
   * The run's queue, or none while nothing can be in it: a new run whose producer has queued no chunk yet (an
   * unchanged night settles every row before queueing: it never loads BullMQ for a count of nothing).
   */
  readonly queue: () => Queue | undefined;
  readonly store: RunStore;
  readonly chunkSize: number;
  /** A night its guards paused: a window full of parked chunks (or outcomes) stops the producer instead of waiting. */
  readonly guardHeld: boolean;
  readonly window: QueueWindow | undefined;
  readonly opts: Pick<EnqueueOptions, "signal" | "onWait" | "onWaitOver">;
}

/**
 * Redis holds a window of the file, whatever its size. The workers make room as chunks complete (removed from
 * Redis), the report writer as it moves outcomes out. A stopped or paused run makes none: its parked chunks
 * count, so the producer waits for `resume`. Each cause is said when it starts and when it is over, not at each
 * batch the window fills again (nor each time it switches between full of rows and full of outcomes).
 */
export function queueWindow(w: WindowOf): { roomFor(rows: number): Promise<void>; over(): void } {
  const { runId, queue, store, window, opts } = w;
  const waiting = new Conditions({ start: (_k, why) => opts.onWait?.(why), end: (_k, why, s) => opts.onWaitOver?.(why, s) }, WAIT_SETTLE_MS);
  /** Waits until the run has room for `rows` more rows. */
  const roomFor = async (rows: number) => {
    if (!window || (window.rows <= 0 && window.outcomes <= 0)) return;
    // At the first wait: `resume` tells a producer that waits from one that stopped.
    let lastTouch = 0;
    for (;;) {
      if (opts.signal?.aborted) throw new ProducerStopped();
      const held = queue();
      const [counts, back] = await Promise.all([
        held ? held.getJobCounts("waiting", "active", "delayed", "prioritized") : ({} as Record<string, number>),
        store.backlog(runId),
      ]);
      if (back.state === "cancelled") throw new RunCancelled();
      const inFlight = (Object.values(counts).reduce((a, b) => a + b, 0) + back.parked) * w.chunkSize;
      const rowsFull = window.rows > 0 && inFlight > 0 && inFlight + rows > window.rows;
      const outcomesFull = window.outcomes > 0 && back.outcomes >= window.outcomes;
      if (!rowsFull && !outcomesFull) {
        waiting.cleared();
        return;
      }
      const why = outcomesFull
        ? `${back.outcomes} outcomes wait in Redis for a report writer: keep "connect-backfill report ${runId} --follow" running (run does it itself)`
        : back.parked > 0
          ? `run ${runId} is ${back.state || "held"} with ${back.parked} chunks parked; the rest of the file is queued once it is resumed`
          : `${inFlight} rows are queued ahead of the workers (--queue-window ${window.rows}); more are queued as they finish`;
      const kind = outcomesFull ? "outcomes" : back.parked > 0 ? "held" : "rows";
      // Paused by its guards, the window full of parked chunks (or of invalid rows' outcomes): the rest of the file waits
      // for `resume` and the same command, not this producer.
      if (w.guardHeld && kind !== "rows") throw new ProducerStopped();
      waiting.holds(kind, why);
      // Alive, for `status`: a producer that waits is not a producer that died.
      if (Date.now() - lastTouch >= 5_000) {
        await store.touchProducer(runId);
        lastTouch = Date.now();
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { roomFor, over: () => waiting.over() };
}
