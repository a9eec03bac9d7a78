import type { OutcomeStatus } from "./Outcome.js";

export interface ErrorExample {
  readonly code: string;
  readonly count: number;
  readonly line: number;
  readonly message: string;
}

/** What `summary.json` holds and `run` / `report` print. */
export interface RunSummary {
  readonly runId: string;
  readonly parentRunId: string | undefined;
  readonly input: string;
  readonly format: string;
  readonly createdAt: string;
  readonly startedAt: string | undefined;
  readonly finishedAt: string | undefined;
  readonly durationMs: number | undefined;
  readonly rows: number;
  /** Lines of the input holding no row (every cell empty: a spreadsheet's trailing ",,,," rows): no outcome. */
  readonly blankLines: number;
  readonly counts: Record<OutcomeStatus, number>;
  readonly errorCodes: Record<string, number>;
  readonly topErrors: readonly ErrorExample[];
  readonly requests: number;
  readonly throttled: number;
  readonly throttledShare: number;
  /** Rows with an outcome per second between the first and the last outcome. */
  readonly meanRate: number | undefined;
  readonly complete: boolean;
}
