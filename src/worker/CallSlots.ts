import pLimit, { type LimitFunction } from "p-limit";

/**
 * A worker process's call budget (`--concurrency`), in two parts.
 *
 * `flight`: the calls whose request is out, every API and run together: at most `concurrency` (the number a kill
 * can catch between a call's count and its send, docs/failure-modes.md). A call takes it after its turn and gives
 * it back with the answer: a call waiting for a turn or a backoff holds none of it.
 *
 * `lane(key)`: the calls of one lane (an API, and a run with a pace of its own) that wait for their turns or are
 * out, at most `concurrency` too: a lane's governor never sees more callers at once than before, and its turns go
 * out in the order its calls came. Taken before the turn, as the one budget was: a lane at its quota waits in its
 * own queue. Before, one budget for both let a throttled API's calls (or a run made at --rate 1) hold every place
 * while they waited, and an UpdateContact run beside them made no call for as long.
 */
export class CallSlots {
  readonly flight: LimitFunction;
  private readonly lanes = new Map<string, LimitFunction>();

  constructor(private readonly concurrency: number) {
    this.flight = pLimit(concurrency);
  }

  /** Runs `fn` in its lane's turn. A lane with nothing in it is forgotten (a long-lived worker sees many runs). */
  inLane<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = pLimit(this.concurrency);
      this.lanes.set(key, lane);
    }
    const mine = lane;
    return mine(fn).finally(() => {
      if (mine.activeCount === 0 && mine.pendingCount === 0 && this.lanes.get(key) === mine) this.lanes.delete(key);
    });
  }

  /** The lanes with calls in them (tests). */
  get laneCount(): number {
    return this.lanes.size;
  }
}

/** The lane of a run's calls of one API: its own where the run has a pace of its own (RunManifest.rate). */
export function laneOf(api: string, runId: string, paced: boolean): string {
  return paced ? `${api}\n${runId}` : api;
}
