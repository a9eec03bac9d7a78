import type { Counter as CounterOf, Histogram as HistogramOf } from "prom-client";
import { requirePackage } from "../lib/requirePackage.js";
import type { RunQueues } from "../queue/RunQueues.js";
import { queueOfManifest } from "../queue/RunQueues.js";
import type { RunStore } from "../store/RunStore.js";
import type { BackfillWorker } from "../worker/BackfillWorker.js";

const { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } = requirePackage("prom-client") as typeof import("prom-client");

/**
 * How many runs keep their series in this process. The `run` label is the only
 * one that grows (operation, status, result and state are fixed sets): a `work`
 * process that lives for months of nightly runs keeps the newest ones only;
 * the others' series are removed (their totals stay in `status` and `history`).
 */
export const MAX_RUNS = 20;

/**
 * The Prometheus metrics of one process's worker, fed by its events (outcomes,
 * calls) and, at each scrape, by Redis (the runs' rows, the governors' rates).
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly rows: CounterOf<"run" | "status">;
  private readonly calls: CounterOf<"operation" | "result">;
  private readonly duration: HistogramOf<"operation">;
  private readonly runs: string[] = [];

  constructor(
    private readonly worker: BackfillWorker,
    private readonly store: RunStore,
    private readonly queues: RunQueues,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: "connect_backfill_" });
    this.rows = new Counter({
      name: "connect_backfill_rows_total",
      help: "Rows this process finished, by run and status.",
      labelNames: ["run", "status"],
      registers: [this.registry],
    });
    this.calls = new Counter({
      name: "connect_backfill_api_calls_total",
      help: "API calls this process made, by operation and result (ok, throttled, transient, permanent).",
      labelNames: ["operation", "result"],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: "connect_backfill_api_call_duration_seconds",
      help: "How long API calls took, answer included.",
      labelNames: ["operation"],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    const self = this;
    new Gauge({
      name: "connect_backfill_governor_rate",
      help: "Requests/s the shared governor grants now, by operation (as this process last heard it).",
      labelNames: ["operation"],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [op, rate] of self.worker.governorRates()) this.set({ operation: op }, rate);
      },
    });
    new Gauge({
      name: "connect_backfill_queue_rows",
      help: "Rows of the runs this process works, from Redis: waiting (queued, no outcome), active (in chunks a worker holds), done (with an outcome).",
      labelNames: ["run", "state"],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const run of self.runs) {
          const p = await self.store.progress(run).catch(() => undefined);
          if (!p) continue;
          const active = (await self.queues.named(queueOfManifest(p.manifest)).getJobCounts("active")).active ?? 0;
          const inHand = Math.min(p.pending, active * p.manifest.chunkSize);
          this.set({ run, state: "done" }, p.done);
          this.set({ run, state: "active" }, inHand);
          this.set({ run, state: "waiting" }, Math.max(0, p.pending - inHand));
        }
      },
    });
    worker.events.on("outcome", (runId, o) => {
      this.seen(runId);
      this.rows.inc({ run: runId, status: o.status });
    });
    worker.events.on("attempt", (runId, call) => {
      this.seen(runId);
      this.calls.inc({ operation: call.operation, result: call.result });
      this.duration.observe({ operation: call.operation }, call.durationMs / 1000);
    });
  }

  /** Keeps the newest MAX_RUNS runs' series; an older run's are removed. */
  private seen(runId: string): void {
    const i = this.runs.indexOf(runId);
    if (i === this.runs.length - 1 && i !== -1) return;
    if (i !== -1) this.runs.splice(i, 1);
    this.runs.push(runId);
    while (this.runs.length > MAX_RUNS) {
      const old = this.runs.shift() as string;
      this.rows.remove({ run: old });
    }
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }
}
