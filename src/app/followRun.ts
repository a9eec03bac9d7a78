import type { Config } from "../config/loadConfig.js";
import { runLostMessage } from "../queue/redisTrouble.js";
import { isHeld, type RunProgress } from "../domain/run/state.js";
import type { RunStore } from "../store/RunStore.js";
import type { RunQueues } from "../queue/RunQueues.js";
import { AppError, RunNotFoundError } from "./AppError.js";
import { followOutcomes, spoolPath, untilParked, writeRunReport } from "./report.js";
import type { ReportFiles } from "../report/writeReportFiles.js";

export interface FollowOptions {
  /** Ends the follow early (`interrupted`); the run goes on without this process. */
  readonly signal?: AbortSignal | undefined;
  /** Given: a stopped or paused run's chunks finish their calls in flight before the follow ends. */
  readonly queues?: RunQueues | undefined;
  /** Throws when what feeds the run has failed (a producer in this process): the follow ends with its error. */
  readonly alive?: (() => void) | undefined;
  /** Called with the run's progress at each look (the TTY progress line). */
  readonly onProgress?: ((p: RunProgress) => void) | undefined;
  /** How often to look at the run (default 1 s). */
  readonly pollMs?: number | undefined;
  /**
   * Settles when the run may just have ended (the producer in this process is done): looked at then, not at
   * the next poll. A night settled whole by its producer ends with it.
   */
  readonly wake?: Promise<unknown> | undefined;
  /** Outcomes leave Redis at most this often (default: at every look). */
  readonly drainEveryMs?: number | undefined;
  /**
   * The run was made by this process (`run`): gone at any look means Redis lost
   * it, said without the spool (the command names its reports folder itself).
   */
  readonly ownRun?: boolean | undefined;
  /**
   * Given: a stopped or paused run is followed on (its outcomes keep leaving Redis, for the
   * producer waits for room), and this is called once each time it becomes held, with a
   * writer of its reports so far. Without it the follow ends at the hold.
   */
  readonly onHold?: ((p: RunProgress, writeReports: () => Promise<ReportFiles>) => Promise<void>) | undefined;
}

export interface Followed {
  /** Set when the run ended before every row had an outcome (stopped, paused, cancelled). */
  readonly stopReason: string | undefined;
  /** `signal` fired: the run goes on, unfollowed. */
  readonly interrupted: boolean;
  readonly paused?: boolean;
}

/**
 * The one loop that follows a run: moves its outcomes out of Redis as workers
 * produce them, until the run is finished or held (stopped, paused), or
 * `signal` fires. A run that vanishes meanwhile is named as lost: Redis lost its data.
 */
export async function followRunWith(store: RunStore, config: Config, runId: string, opts: FollowOptions = {}): Promise<Followed> {
  const pollMs = opts.pollMs ?? 1000;
  const drainEveryMs = opts.drainEveryMs ?? 0;
  let seen = opts.ownRun === true;
  // One listener on `wake` for the whole follow (not one per poll: a producer runs for hours), and once: after
  // it, the loop polls as before.
  let woken = opts.wake === undefined;
  let wakeUp: (() => void) | undefined;
  const onWake = () => {
    woken = true;
    wakeUp?.();
  };
  opts.wake?.then(onWake, onWake);
  /** Waits `ms`, or until the wake comes (its timer cleared then). */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      if (!woken) wakeUp = done;
    });
  return followOutcomes(store, config, runId, async (drain, spool) => {
    let lastDrain = Date.now();
    let held = false;
    for (;;) {
      opts.alive?.();
      const p = await store.progress(runId);
      if (!p && opts.ownRun) throw new AppError(`${runLostMessage(runId)}.`);
      if (!p && seen) throw new AppError(`${runLostMessage(runId)}; the outcomes moved out before are in ${spoolPath(config, runId)}.`);
      if (!p) throw new RunNotFoundError(runId, config.prefix);
      seen = true;
      // Outcomes leave Redis for the spool as the run goes, so Redis holds only the backlog.
      if (Date.now() - lastDrain >= drainEveryMs) {
        await drain();
        lastDrain = Date.now();
      }
      opts.onProgress?.(p);
      // A cancelled run's workers settle its unsent rows as cancelled: it is followed until that is done.
      if (p.complete) return { stopReason: p.state === "cancelled" ? "cancelled" : undefined, interrupted: false };
      if (isHeld(p.state) && !held) {
        if (opts.queues) await untilParked(opts.queues, p.manifest);
        await drain();
        if (!opts.onHold) return { stopReason: p.stopReason ?? p.state, paused: p.state === "paused", interrupted: false };
        held = true;
        await opts.onHold(p, () => writeRunReport(store, config, runId, undefined, spool));
      } else if (!isHeld(p.state)) held = false;
      if (opts.signal?.aborted) return { stopReason: undefined, interrupted: true };
      await pause(pollMs);
    }
  });
}

/**
 * `report --follow` (and the public API): follows a run made elsewhere until
 * it is finished or held, or `signal` fires.
 */
export function followRun(
  store: RunStore,
  config: Config,
  runId: string,
  signal: AbortSignal,
  queues?: RunQueues,
  /** Throws when what feeds the run has failed (a producer in this process): the follow ends with its error. */
  alive?: () => void,
  onHold?: FollowOptions["onHold"],
): Promise<Followed> {
  return followRunWith(store, config, runId, { signal, queues, alive, onHold });
}
