import type { EnqueueResult } from "../queue/enqueueFile.js";

/**
 * A producer running beside the one who follows its run: it keeps a window of
 * the file in Redis, so it goes on while the run is worked and its outcomes are
 * moved out. `started` settles once the run exists (or the producer ended before,
 * with its error); `check` throws the producer's error; `stop` stops it between
 * two batches (its position is saved: the same command goes on) and waits for it.
 */
export interface RunningProducer {
  readonly started: Promise<void>;
  readonly done: Promise<EnqueueResult | undefined>;
  check(): void;
  stop(): Promise<EnqueueResult | undefined>;
}

/** What the producer says once its run exists (EnqueueOptions.onReady). */
export type ProducerReady = (ready?: { readonly settlesAhead: boolean }) => void;

export function startProducer(
  enqueue: (onReady: ProducerReady, signal: AbortSignal) => Promise<EnqueueResult>,
  onReady: ProducerReady = () => undefined,
): RunningProducer {
  const stopper = new AbortController();
  let ready: () => void = () => undefined;
  const created = new Promise<void>((r) => {
    ready = r;
  });
  const failure: { failed: boolean; error?: unknown } = { failed: false };
  const check = () => {
    if (failure.failed) throw failure.error;
  };
  const done = enqueue((said) => {
    onReady(said);
    ready();
  }, stopper.signal).catch((error: unknown) => {
    failure.failed = true;
    failure.error = error;
    return undefined;
  });
  return {
    started: Promise.race([created, done]).then(check),
    done,
    check,
    stop: () => {
      stopper.abort();
      return done;
    },
  };
}

/**
 * Once the follow of its run ended: a night its guards paused (born paused, nothing sent) lets its producer park
 * what its window holds, so `resume` alone sends it; any other run's producer stops between two batches (its
 * position is saved, the same command goes on).
 */
export async function endProducer(producer: RunningProducer, guardPaused: boolean): Promise<EnqueueResult | undefined> {
  return guardPaused ? producer.done : producer.stop();
}
