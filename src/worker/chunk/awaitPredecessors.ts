import type { RowGroup } from "../../domain/groupAndFold.js";
import type { RunStore } from "../../store/RunStore.js";
import { sleep } from "../../lib/sleep.js";
import type { StopState } from "./StopState.js";

/**
 * Starts the groups whose first row waits for a line of another chunk once that
 * line has its outcome. Predecessors in other chunks are usually being sent right
 * now by another worker: look again while this chunk's other rows go on, and a
 * little after (`holdMs` once nothing of the chunk runs). Returns the groups
 * still waiting (the chunk goes back to the queue for a moment).
 */
export async function awaitPredecessors<G extends RowGroup>(
  waiting: G[],
  opts: {
    readonly runId: string;
    readonly store: RunStore;
    readonly stop: StopState;
    readonly signal: AbortSignal;
    readonly running: () => number;
    readonly start: (g: G) => void;
    readonly pollMs: number;
    readonly holdMs: number;
  },
): Promise<G[]> {
  let idleSince: number | undefined;
  while (waiting.length > 0 && !opts.stop.halted()) {
    try {
      await sleep(opts.pollMs, opts.signal);
    } catch {
      break;
    }
    let done: Set<number>;
    try {
      done = await opts.store.finished(
        opts.runId,
        waiting.map((g) => g.after),
      );
    } catch (err) {
      opts.stop.fail(err);
      break;
    }
    const still: G[] = [];
    for (const g of waiting) {
      if (done.has(g.after)) opts.start(g);
      else still.push(g);
    }
    waiting = still;
    if (opts.running() > 0) idleSince = undefined;
    else if ((idleSince ??= Date.now()) + opts.holdMs <= Date.now()) break;
  }
  return waiting;
}
