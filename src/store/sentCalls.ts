import type { Redis } from "ioredis";
import { type Keys, RUN } from "./keys.js";

/** Adds ARGV[1] calls to the run's count and marks the write lines ARGV[2..] as possibly sent; nothing for a run that is gone. */
const COUNT_SENT = `if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[1], '${RUN.requests}', tonumber(ARGV[1]))
for i = 2, #ARGV do redis.call('SETBIT', KEYS[2], tonumber(ARGV[i]), 1) end
return 1`;

type CountCmd = (k1: string, k2: string, count: number, ...lines: number[]) => Promise<number>;

/** A call counted: `issued` once its count is written to Redis's connection, `done` once Redis has it. */
export interface Counted {
  readonly issued: Promise<void>;
  readonly done: Promise<void>;
}

interface Turn {
  readonly runs: Map<string, { count: number; lines: number[] }>;
  readonly issued: Promise<void>;
  readonly done: Promise<void>;
  open(): void;
  settle(err?: unknown): void;
}

function newTurn(): Turn {
  let open: () => void = () => undefined;
  let resolve: () => void = () => undefined;
  let reject: (err: unknown) => void = () => undefined;
  const issued = new Promise<void>((r) => (open = r));
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A turn nobody awaits to the end (its callers catch `done` themselves) must not be an unhandled rejection.
  done.catch(() => undefined);
  return { runs: new Map(), issued, done, open, settle: (err) => (err === undefined ? resolve() : reject(err)) };
}

/**
 * Calls counted as they go (any API), whatever becomes of the worker after: a write's lines are marked as
 * possibly sent, so a cancel never calls a row whose call may have landed "not sent".
 *
 * The calls of one turn of the event loop go to Redis in one script per run, at the turn's end, and each
 * call's request waits for `issued`: the count is on Redis's connection before any of those requests is on
 * the service's. One script per call was the worker's one Redis command per row (8% of its CPU unthrottled).
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

  count(runId: string, writes?: readonly number[]): Counted {
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
    return { issued: turn.issued, done: turn.done };
  }

  private flush(turn: Turn): void {
    this.turn = undefined;
    const sent: Array<Promise<number>> = [];
    try {
      for (const [runId, { count, lines }] of turn.runs) {
        sent.push((this.redis.cbCountSent2 as CountCmd)(this.keys.run(runId), this.keys.sending(runId), count, ...lines));
      }
    } catch (err) {
      sent.push(Promise.reject(err));
    }
    turn.open();
    Promise.all(sent).then(
      () => turn.settle(),
      (err: unknown) => turn.settle(err),
    );
  }
}
