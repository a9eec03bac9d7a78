import { type BreakerSettings, breakerOf, type RecordedOutcome } from "../domain/breaker.js";
import { groupsOutcomes, type RunManifest } from "../domain/run/manifest.js";
import type { RunStore } from "../store/RunStore.js";

/** How a run's outcomes are written: its breaker, and whether alike ones may share an entry. */
export interface RecordRules {
  readonly breaker: BreakerSettings;
  readonly grouped: boolean;
}

export function recordRulesOf(m: RunManifest | undefined): RecordRules {
  return { breaker: breakerOf(m), grouped: groupsOutcomes(m) };
}

/** One `add`/`addAll`: its outcomes go into the same script call, and it is answered once for all of them. */
interface Waiting {
  readonly items: readonly RecordedOutcome[];
  readonly resolve: (state: string) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Gathers outcomes for a few milliseconds and writes them in one script call:
 * at a few thousand rows/s one round trip per row would cost more than the rows.
 * `add` resolves only once the outcome is in Redis, so a chunk is never marked
 * complete before its outcomes are durable.
 */
export class OutcomeWriter {
  private readonly queues = new Map<string, { waiting: Waiting[]; rows: number }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: RunStore,
    private readonly rules: (runId: string) => RecordRules,
    private readonly delayMs = 10,
    private readonly maxBatch = 200,
  ) {}

  add(runId: string, item: RecordedOutcome): Promise<string> {
    return this.addAll(runId, [item]);
  }

  /**
   * Several outcomes that must land together (the rows of one call): they go
   * into the same script call, so a crash can never record half of them.
   */
  addAll(runId: string, items: readonly RecordedOutcome[]): Promise<string> {
    return new Promise((resolve, reject) => {
      let q = this.queues.get(runId);
      if (!q) this.queues.set(runId, (q = { waiting: [], rows: 0 }));
      q.waiting.push({ items, resolve, reject });
      q.rows += items.length;
      // No delay: written now (its caller gathered the batch already; a timer of 0 still waits a millisecond or more).
      if (q.rows >= this.maxBatch || this.delayMs <= 0) void this.flushRun(runId);
      else this.timer ??= setTimeout(() => void this.flush(), this.delayMs);
    });
  }

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.all([...this.queues.keys()].map((runId) => this.flushRun(runId)));
  }

  private async flushRun(runId: string): Promise<void> {
    const batch = this.queues.get(runId);
    if (!batch || batch.waiting.length === 0) return;
    this.queues.delete(runId);
    const items: RecordedOutcome[] = [];
    for (const w of batch.waiting) for (const item of w.items) items.push(item);
    try {
      const { breaker, grouped } = this.rules(runId);
      const { state } = await this.store.record(runId, items, breaker, grouped);
      for (const w of batch.waiting) w.resolve(state);
    } catch (err) {
      for (const w of batch.waiting) w.reject(err);
    }
  }
}
