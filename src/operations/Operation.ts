import type { ConnectClient } from "@aws-sdk/client-connect";
import { bareRecord } from "../lib/bareRecord.js";

/** The contact operations a run can apply. A run records its operation in its manifest. */
export const OPERATION_NAMES = ["UpdateContactAttributes", "UpdateContact"] as const;
export type OperationName = (typeof OPERATION_NAMES)[number];

/**
 * What one row asks of the service for one contact: named fields, each applied
 * on its own (an attribute; a contact's name; one reference). Rows of a contact
 * merge per name in file order, the later winning, exactly as the service does
 * when the rows are sent one by one. Null-prototype: "__proto__" is a legal name.
 */
export type Fields = Record<string, unknown>;

export type Verdict = { readonly ok: true } | { readonly ok: false; readonly code: string; readonly reason: string };
export type FieldsCheck = { readonly ok: true; readonly fields: Fields } | { readonly ok: false; readonly code: string; readonly reason: string };

/** Where a call goes: the contact and its instance. */
export interface ContactTarget {
  readonly instanceId: string;
  readonly contactId: string;
}

/**
 * One Amazon Connect contact operation: how a record's fields become a request
 * (or the reason it cannot be one), the service's limits on a call, and the SDK
 * call itself. The queue, the worker, the governor, outcomes, reports, `retry`
 * and the circuit breaker know an operation only through this.
 */
export interface Operation {
  readonly name: OperationName;
  /** Contacts that started before this could never be updated by this API: `skipped_pre_api` (`--min-contact-date` overrides). */
  readonly availableSince: Date | undefined;
  /** The CSV columns that are not the contact's (contactId, instanceId, initiationTimestamp, `#…`): a column that means nothing to the operation is a file-level error. */
  checkColumns(columns: readonly string[], path: string): void;
  /** A CSV row's field cells (name as in the header → text; empty cells are left out by the reader). */
  fieldsFromCells(cells: ReadonlyArray<readonly [name: string, value: string]>): FieldsCheck;
  /** A JSONL object (the contact's own members are ignored here). */
  fieldsFromObject(obj: Record<string, unknown>): FieldsCheck;
  /** The members of a JSONL row it reads, each spelling it reads (ours and the API's), beside the contact's own. */
  readonly objectMembers: readonly string[];
  /** The service's limits on one call's fields, from the service model: the SDK sends anything. */
  validate(fields: Fields): Verdict;
  /**
   * Folding a contact's rows into one call: the cost of one field against the
   * call's budget, so the fold stays linear. Without it, rows are merged while
   * `validate` accepts the merge.
   */
  readonly callBudget?: { readonly limit: number; cost(name: string, value: unknown): number };
  /** One call; errors as the SDK throws them. `signal` and `deadlineMs` as in lib/sendCommand. */
  send(client: ConnectClient, to: ContactTarget, fields: Fields, signal?: AbortSignal, deadlineMs?: number): Promise<unknown>;
}

export function emptyFields(): Fields {
  return bareRecord<unknown>() as Fields;
}
