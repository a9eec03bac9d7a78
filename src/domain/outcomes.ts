import type { OriginalRecord, Outcome, OutcomeStatus } from "./Outcome.js";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The row an outcome is about: its line and contact (empty ids when the row never had valid ones). */
export interface RowRef {
  readonly line: number;
  readonly contactId: string;
  readonly instanceId: string;
}

/** Rows settled without a call. */
export type NotSent = Exclude<OutcomeStatus, "updated" | "failed">;

/**
 * A row settled without a call: `invalid` (with the record, for failures.csv),
 * `skipped_pre_api`, `skipped_expired`, `superseded`, `cancelled`, `unchanged`. `message` is
 * said after "line N"; it starts with ":" or a verb as the caller words it.
 */
export function notSent(
  row: RowRef,
  status: NotSent,
  errorCode: string,
  message: string,
  extra: { readonly original?: OriginalRecord | undefined; readonly omit?: Outcome["omit"] } = {},
): Outcome {
  // Fields named one by one, never `...row`: V8 clones a spread object and then
  // grows it property by property, ~15x slower than a literal (measured: 200k
  // dry-run outcomes spent seconds here).
  const out: Mutable<Outcome> = {
    line: row.line,
    contactId: row.contactId,
    instanceId: row.instanceId,
    status,
    errorCode,
    httpStatus: undefined,
    message,
    attempts: 0,
    throttles: 0,
    finishedAt: Date.now(),
    original: extra.original,
  };
  if (extra.omit) out.omit = extra.omit;
  return out;
}

/** The answer of a call for one of the rows it carried. The call is counted once, on the row that closes it. */
export function sent(
  row: RowRef,
  call: {
    readonly status: "updated" | "failed";
    readonly errorCode: string;
    readonly httpStatus: number | undefined;
    readonly attempts: number;
    readonly throttles: number;
  },
  message: string,
  extra: {
    readonly carrier: boolean;
    readonly original?: OriginalRecord | undefined;
    readonly retryable?: boolean;
    readonly keys?: readonly string[] | undefined;
    readonly omit?: Outcome["omit"] | undefined;
    readonly image?: Outcome["image"] | undefined;
    readonly maybeApplied?: boolean;
  },
): Outcome {
  const out: Mutable<Outcome> = {
    line: row.line,
    contactId: row.contactId,
    instanceId: row.instanceId,
    status: call.status,
    errorCode: call.errorCode,
    httpStatus: call.httpStatus,
    message,
    attempts: extra.carrier ? call.attempts : 0,
    throttles: extra.carrier ? call.throttles : 0,
    finishedAt: Date.now(),
    original: extra.original,
  };
  if (extra.retryable) out.retryable = true;
  if (extra.keys) out.keys = extra.keys;
  if (extra.omit) out.omit = extra.omit;
  if (extra.image) out.image = extra.image;
  if (extra.maybeApplied) out.maybeApplied = true;
  return out;
}

/**
 * A dry run's row that would be sent: the call it would ride in is counted
 * once, on the row that closes it (`attempts` stays 0: nothing was sent).
 */
export function wouldUpdate(row: RowRef, message: string): Outcome {
  return {
    line: row.line,
    contactId: row.contactId,
    instanceId: row.instanceId,
    status: "would_update",
    errorCode: "",
    httpStatus: undefined,
    message,
    attempts: 0,
    throttles: 0,
    finishedAt: Date.now(),
    original: undefined,
  };
}

/** A row the worker could not process at all (its chunk out of attempts): failed, and `retry` takes it. */
export function workerFailed(row: RowRef, why: string, original: OriginalRecord | undefined): Outcome {
  return {
    line: row.line,
    contactId: row.contactId,
    instanceId: row.instanceId,
    status: "failed",
    errorCode: "WorkerError",
    httpStatus: undefined,
    message: `line ${row.line}: the worker could not process this row (${why.slice(0, 200)})`,
    attempts: 0,
    throttles: 0,
    finishedAt: Date.now(),
    original,
    retryable: true,
  };
}
