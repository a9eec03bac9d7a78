import type { Redis } from "ioredis";
import { type Keys, RUN } from "./keys.js";

/** Adds ARGV[1] calls to the run's count and marks the write lines ARGV[2..] as possibly sent; nothing for a run that is gone. */
const COUNT_SENT = `if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[1], '${RUN.requests}', tonumber(ARGV[1]))
for i = 2, #ARGV do redis.call('SETBIT', KEYS[2], tonumber(ARGV[i]), 1) end
return 1`;

/** `lines` go as one array (ioredis flattens it): spread, a call of 100,000 rows was more arguments than a JavaScript call takes. */
type CountCmd = (k1: string, k2: string, count: number, lines: number[]) => Promise<number>;

interface Turn {
  readonly runs: Map<string, { count: number; lines: number[] }>;
  readonly done: Promise<void>;
  settle(err?: unknown): void;
}

function newTurn(): Turn {
  let resolve: () => void = () => undefined;
  let reject: (err: unknown) => void = () => undefined;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { runs: new Map(), done, settle: (err) => (err === undefined ? resolve() : reject(err)) };
}

/**
 * Calls counted as they go (any API), whatever becomes of the worker after: a write's lines are marked as
 * possibly sent, so a cancel never calls a row whose call may have landed "not sent".
 *
 * A call waits until Redis has counted it: a worker SIGKILLed while Redis held its writes (a failover's
 * pause, a reconnect) never had a call reach the service uncounted. The calls of one turn of the event
 * loop go to Redis in one script per run, at the turn's end: one round trip per turn, not per call (one
 * script per call was the worker's one Redis command per row, 8% of its CPU unthrottled).
 */
export class SentCalls {
  private readonly redis: Redis & { cbCountSent2?: CountCmd };
  private turn: Turn | undefined;

  constructor(
    redis: Redis,
    private readonly keys: Keys,
  ) {
    this.redis = redis as SentCalls["redis"];
    if (!this.redis.cbCountSent2) redis.defineCommand("cbCountSent2", { numberOfKeys: 2, lua: COUNT_SENT });
  }

  /** Resolves once Redis has counted the call; rejects when it could not (the call must not go). */
  count(runId: string, writes?: readonly number[]): Promise<void> {
    let turn = this.turn;
    if (!turn) {
      const t = newTurn();
      this.turn = turn = t;
      setImmediate(() => this.flush(t));
    }
    let run = turn.runs.get(runId);
    if (!run) turn.runs.set(runId, (run = { count: 0, lines: [] }));
    run.count++;
    if (writes) for (const line of writes) run.lines.push(line);
    return turn.done;
  }

  private flush(turn: Turn): void {
    this.turn = undefined;
    const sent: Array<Promise<number>> = [];
    try {
      for (const [runId, { count, lines }] of turn.runs) {
        sent.push((this.redis.cbCountSent2 as CountCmd)(this.keys.run(runId), this.keys.sending(runId), count, lines));
      }
    } catch (err) {
      sent.push(Promise.reject(err));
    }
    Promise.all(sent).then(
      () => turn.settle(),
      (err: unknown) => turn.settle(err),
    );
  }
}
