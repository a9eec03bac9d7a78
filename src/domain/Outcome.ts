// Order matters: outcomes are stored with the status's index (report/outcomeCodec.ts); add at the end.
export const STATUSES = ["updated", "skipped_pre_api", "invalid", "failed", "skipped_expired", "superseded", "cancelled", "unchanged", "would_update"] as const;
export type OutcomeStatus = (typeof STATUSES)[number];

import type { OriginalRecord } from "./originalOf.js";

export type { OriginalRecord };

/** Exactly one per input row. */
export interface Outcome {
  readonly line: number;
  readonly contactId: string;
  readonly instanceId: string;
  readonly status: OutcomeStatus;
  readonly errorCode: string;
  readonly httpStatus: number | undefined;
  readonly message: string;
  /** API calls made for this row, throttled ones included. */
  readonly attempts: number;
  /** Of those, how many were throttled. */
  readonly throttles: number;
  readonly finishedAt: number;
  readonly original: OriginalRecord | undefined;
  /** A `failed` row that another try may fix (transient errors, the throttling cap): `retry` takes these. */
  readonly retryable?: boolean;
  /**
   * The attribute names this row applied, kept only for rows of a contact with
   * several rows in the run: `retry` must not send an older row's value for a
   * name that a later, applied row set.
   */
  readonly keys?: readonly string[];
  /** Attributes this row was told not to send (a later line already applied them), carried from run to retry. */
  readonly omit?: ReadonlyArray<readonly [key: string, line: number]>;
  /**
   * `--capture-before`, on the row that carried a call: the contact's values
   * just before it, for the names the call wrote (null: the name did not exist),
   * and what the call wrote. `rollback` writes `before` back. Customer data:
   * kept only in the run's owner-only files, never logged.
   */
  readonly image?: BeforeImage;
  /**
   * A `failed` row whose call an earlier try may have applied: that try read the contact and kept its
   * before-image, then its worker stopped before an answer, and the contact now holds other values than it
   * read. `rollback` cannot vouch for the contact (its calls' names are not undone by a failed row).
   */
  readonly maybeApplied?: boolean;
}

export interface BeforeImage {
  readonly before: Readonly<Record<string, string | null>>;
  readonly wrote: Readonly<Record<string, string>>;
}
