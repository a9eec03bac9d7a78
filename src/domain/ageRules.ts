import type { Operation } from "../operations/Operation.js";
import type { MaxContactAge } from "./run/manifest.js";

/**
 * UpdateContactAttributes cannot update contacts that started before the API was
 * released (2018-09-12): such rows are never sent. Rows without a timestamp are
 * sent; the service answers for them.
 */
export function startedBeforeApi(initiationTimestamp: number | undefined, minContactDate: number): boolean {
  return initiationTimestamp !== undefined && initiationTimestamp < minContactDate;
}

export function preApiMessage(line: number, initiationTimestamp: number, minContactDate: number, op: Pick<Operation, "name" | "availableSince">): string {
  const why = op.availableSince?.getTime() === minContactDate ? `when ${op.name} became available` : "the run's --min-contact-date";
  return `line ${line}: contact started ${new Date(initiationTimestamp).toISOString()}, before ${new Date(minContactDate).toISOString()} ${why}; not sent`;
}

/**
 * The oldest start time Connect still keeps at `now`: contacts and their
 * attributes are deleted 24 months after they started, and an update to one is
 * a 404 that costs a call. Months are calendar months in UTC, as Connect counts.
 * Computed at send time, not when queued: a backfill runs for days.
 */
export function retentionCutoff(age: MaxContactAge, now: number): number | undefined {
  if (!age) return undefined;
  if (age.unit === "days") return now - age.n * 86_400_000;
  const d = new Date(now);
  d.setUTCMonth(d.getUTCMonth() - age.n);
  return d.getTime();
}

export function expired(initiationTimestamp: number | undefined, cutoff: number | undefined): boolean {
  return initiationTimestamp !== undefined && cutoff !== undefined && initiationTimestamp < cutoff;
}

/** A row settled by its contact's age (`skipped_pre_api` or `skipped_expired`): never sent, so never part of what a contact is left holding. */
export function settledByAge(initiationTimestamp: number | undefined, minContactDate: number, cutoff: number | undefined): boolean {
  return startedBeforeApi(initiationTimestamp, minContactDate) || expired(initiationTimestamp, cutoff);
}

export function expiredMessage(line: number, initiationTimestamp: number, age: NonNullable<MaxContactAge>): string {
  const limit = `${age.n}${age.unit === "months" ? "mo" : "d"}`;
  return `line ${line}: contact started ${new Date(initiationTimestamp).toISOString()}, more than ${age.n} ${age.unit} ago (--max-contact-age ${limit}): Connect no longer keeps it; not sent`;
}
