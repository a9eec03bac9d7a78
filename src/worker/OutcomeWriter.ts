import type { BreakerSettings, RecordedOutcome } from "../domain/breaker.js";
import type { RunStore } from "../store/RunStore.js";

interface Waiting {
  readonly item: RecordedOutcome;
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
  private readonly queues = new Map<string, Waiting[]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: RunStore,
    private readonly breaker: (runId: string) => BreakerSettings,
    private readonly delayMs = 10,
    private readonly maxBatch = 200,
  ) {}

  add(runId: string, item: RecordedOutcome): Promise<string> {
    return new Promise((resolve, reject) => {
      let q = this.queues.get(runId);
      if (!q) this.queues.set(runId, (q = []));
      q.push({ item, resolve, reject });
      if (q.length >= this.maxBatch) void this.flushRun(runId);
      else this.timer ??= setTimeout(() => void this.flush(), this.delayMs);
    });
  }

  /**
   * Several outcomes that must land together (the rows of one call): they go
   * into the same script call, so a crash can never record half of them.
   */
  addAll(runId: string, items: readonly RecordedOutcome[]): Promise<string> {
    if (items.length === 1) return this.add(runId, items[0] as RecordedOutcome);
    return new Promise((resolve, reject) => {
      let q = this.queues.get(runId);
      if (!q) this.queues.set(runId, (q = []));
      let left = items.length;
      let failed = false;
      for (const item of items) {
        q.push({
          item,
          resolve: (state) => {
            if (--left === 0 && !failed) resolve(state);
          },
          reject: (err) => {
            if (!failed) reject(err);
            failed = true;
          },
        });
      }
      if (q.length >= this.maxBatch) void this.flushRun(runId);
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
    if (!batch || batch.length === 0) return;
    this.queues.delete(runId);
    try {
      const { state } = await this.store.record(
        runId,
        batch.map((w) => w.item),
        this.breaker(runId),
      );
      for (const w of batch) w.resolve(state);
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  }
}
