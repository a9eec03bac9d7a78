import type { CallPlaces } from "../connect/sendCall.js";
import { Semaphore } from "../lib/semaphore.js";

/**
 * A worker process's call budget (`--concurrency`): at most that many places, every API and run together, each
 * held by a call from right before its turn to its answer, so that a request goes the moment its turn comes (a
 * call that waited for a place after its turn would go in a bunch with others that waited: a burst over the
 * quota, as the service's bucket counts it).
 *
 * Calls wait for their turns in lanes: an API's calls, and a run's with a pace of its own (RunManifest.rate).
 * In a lane a quarter of the places at most (one at least) are held by calls waiting for their turns; the lane's
 * other calls wait holding none. A lane at a slow quota (throttled, or a run made at --rate 1) holds that quarter,
 * not all of them: before, every place was held by calls waiting for their turns, and an UpdateContact run beside
 * a throttled UpdateContactAttributes run made no call for as long. Several at once, not one: a lane's turns taken
 * one after another cost an unthrottled worker ~8% of its rows/s (measured). Backoffs (a throttle's pause, a
 * transient error's) hold no place at all. And a run's calls under way (a read and its write together) are at
 * most `concurrency` (inRun), as one budget held them before.
 */
export class CallSlots {
  private readonly flight: Semaphore;
  private readonly lanes = new Map<string, Semaphore>();
  private readonly runs = new Map<string, Semaphore>();
  /** A lane's calls that may wait for their turns at once, each in a place. */
  private readonly perLane: number;

  constructor(private readonly concurrency: number) {
    this.flight = new Semaphore(concurrency);
    this.perLane = Math.max(1, Math.floor(concurrency / 4));
  }

  /** What a call of `lane` takes (sendCall). */
  placesOf(lane: string): CallPlaces {
    return { turnInLane: (fn) => this.inLane(lane, fn), place: () => this.flight.take() };
  }

  /**
   * Runs a call of a run (its reads and its write together) when fewer than `concurrency` of the run's are under
   * way: a run's calls go in the order they came, a few at a time, as when one budget held them (a
   * --capture-before run reads a contact just before writing it, not every contact of its chunks first), and
   * one run's calls waiting for their turns never hold back another run's.
   */
  inRun<T>(runId: string, fn: () => Promise<T>): Promise<T> {
    return queued(this.runs, runId, this.concurrency, fn);
  }

  /** Runs `fn` when the lane's calls before it have had their turns. */
  private inLane<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return queued(this.lanes, key, this.perLane, fn);
  }

  /** The lanes and run queues with calls in them (tests). */
  get queueCount(): number {
    return this.lanes.size + this.runs.size;
  }
}

/**
 * Runs `fn` in `key`'s queue of `size` at once, in the order they came. A queue with nothing in it is forgotten (a
 * worker sees many runs). Semaphores, not p-limit: a call passes two of these queues, and a free place is taken
 * without p-limit's hops through its own queue of promises (every call pays them, unthrottled ones most).
 */
async function queued<T>(queues: Map<string, Semaphore>, key: string, size: number, fn: () => Promise<T>): Promise<T> {
  let queue = queues.get(key);
  if (!queue) {
    queue = new Semaphore(size);
    queues.set(key, queue);
  }
  const mine = queue;
  const giveBack = await mine.take();
  try {
    return await fn();
  } finally {
    giveBack();
    if (mine.idle && queues.get(key) === mine) queues.delete(key);
  }
}

/** The lane of a run's calls of one API: its own where the run has a pace of its own (RunManifest.rate). */
export function laneOf(api: string, runId: string, paced: boolean): string {
  return paced ? `${api}\n${runId}` : api;
}
