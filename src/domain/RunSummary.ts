import type { OutcomeStatus } from "./Outcome.js";
import type { NightReading } from "./run/nightGuards.js";

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
  /** Set on a rollback: the run whose writes it undoes (also its parentRunId). */
  readonly rollbackOf?: string;
  /** Cancelled before its file was read to the end: the rows read (each has its outcome); the rest of the file has none. */
  readonly cutShort?: { readonly readLines: number; readonly message: string };
  /** A dry run's plan: nothing was sent. */
  readonly dryRun?: DryRunPlan;
  /** A job's night as judged when its run was made (figures, each bound's verdict, the breach that paused it). */
  readonly night?: NightReading;
}

/** What a dry run would send and how long that takes. */
export interface DryRunPlan {
  /** Calls of the run's operation (a contact's rows folded as workers fold them). */
  readonly calls: number;
  readonly operation: string;
  /** GetContactAttributes reads, one per call, with `--capture-before`. */
  readonly reads: number;
  /** The --rate given (requests/s). */
  readonly rate: number;
  readonly seconds: number;
  /** The rate the operation's governor last learned on this Redis (at its last throttle), when it knows one. */
  readonly learnedRate?: number;
  readonly learnedSeconds?: number;
  /** Whose figures those are: the quota's scope (rate/quotaScope.ts), and how long ago they were last used (s). */
  readonly learnedScope?: string;
  readonly learnedAgeS?: number;
}
