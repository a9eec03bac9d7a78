import type { Fields } from "./Operation.js";

/** A row ready to be sent: what the worker needs, nothing of the file's shape. */
export interface ContactRow {
  readonly line: number;
  readonly contactId: string;
  readonly instanceId: string;
  /** Epoch milliseconds, when the file gave one. */
  readonly initiationTimestamp: number | undefined;
  /** What the row sets, by field name (the operation's). */
  readonly fields: Fields;
  /**
   * JSONL `ifCurrent`: the values the contact must hold for the row to be written
   * (null: the name must not exist); checked with a read first. `rollback` writes these.
   */
  readonly ifCurrent?: Readonly<Record<string, string | null>> | undefined;
}

/** Validation's answer: a row, or a reason naming what is wrong. Bad rows are data, not exceptions. */
export type RowCheck = { readonly ok: true; readonly row: ContactRow } | { readonly ok: false; readonly code: string; readonly reason: string };
