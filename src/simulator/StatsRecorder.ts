/**
 * Counters the tests and benchmarks read back. Kept to O(1) work per request so observing the
 * simulator does not limit its throughput.
 */
import type { AcceptedSummary } from "./AcceptedLog.js";
import type { Operation } from "./model.js";

export interface OperationStats {
  ok: number;
  throttled: number;
  errors: number;
}

export interface TimelineEntry {
  /** Unix seconds. */
  second: number;
  ok: number;
  throttled: number;
}

export interface SimulatorStats {
  /** Every non-admin request received, faults included. */
  requests: number;
  byOperation: Record<Operation, OperationStats>;
  /** 429 answers sent, whether from the rate limit or an injected 429. */
  throttled: number;
  /** Injected faults consumed. */
  faults: number;
  /** Highest N seen in `amz-sdk-request: attempt=N; max=M` (0 if never sent): shows SDK retries. */
  maxAttemptHeader: number;
  /** UpdateContactAttributes outcomes per wall-clock second, oldest first: what a rate benchmark plots. */
  timeline: TimelineEntry[];
  /** Accepted updates: exact counts, and how much of the log updates() can still return. */
  accepted: AcceptedSummary;
}

/** What the recorder itself counts; the simulator adds `accepted` from its log. */
export type RecordedStats = Omit<SimulatorStats, "accepted">;

export type Outcome = "ok" | "throttled" | "error";

const ATTEMPT = /attempt=(\d+)/;

function emptyByOperation(): Record<Operation, OperationStats> {
  return {
    UpdateContactAttributes: { ok: 0, throttled: 0, errors: 0 },
    GetContactAttributes: { ok: 0, throttled: 0, errors: 0 },
    DescribeContact: { ok: 0, throttled: 0, errors: 0 },
    UpdateContact: { ok: 0, throttled: 0, errors: 0 },
  };
}

export class StatsRecorder {
  private requests = 0;
  private byOperation = emptyByOperation();
  private throttled = 0;
  private faults = 0;
  private maxAttempt = 0;
  private timeline = new Map<number, TimelineEntry>();

  constructor(private readonly now: () => number = Date.now) {}

  request(attemptHeader: string | string[] | undefined): void {
    this.requests++;
    if (typeof attemptHeader === "string") {
      const m = ATTEMPT.exec(attemptHeader);
      if (m) {
        const n = Number(m[1]);
        if (n > this.maxAttempt) this.maxAttempt = n;
      }
    }
  }

  fault(): void {
    this.faults++;
  }

  outcome(operation: Operation, outcome: Outcome): void {
    const op = this.byOperation[operation];
    if (outcome === "ok") op.ok++;
    else if (outcome === "throttled") op.throttled++;
    else op.errors++;
    if (outcome === "throttled") this.throttled++;
    if (operation !== "UpdateContactAttributes" || outcome === "error") return;
    const second = Math.floor(this.now() / 1000);
    let entry = this.timeline.get(second);
    if (entry === undefined) {
      entry = { second, ok: 0, throttled: 0 };
      this.timeline.set(second, entry);
    }
    entry[outcome]++;
  }

  snapshot(): RecordedStats {
    const copy = (s: OperationStats): OperationStats => ({ ...s });
    return {
      requests: this.requests,
      byOperation: {
        UpdateContactAttributes: copy(this.byOperation.UpdateContactAttributes),
        GetContactAttributes: copy(this.byOperation.GetContactAttributes),
        DescribeContact: copy(this.byOperation.DescribeContact),
        UpdateContact: copy(this.byOperation.UpdateContact),
      },
      throttled: this.throttled,
      faults: this.faults,
      maxAttemptHeader: this.maxAttempt,
      timeline: [...this.timeline.values()].sort((a, b) => a.second - b.second).map((e) => ({ ...e })),
    };
  }

  clear(): void {
    this.requests = 0;
    this.byOperation = emptyByOperation();
    this.throttled = 0;
    this.faults = 0;
    this.maxAttempt = 0;
    this.timeline = new Map();
  }
}
