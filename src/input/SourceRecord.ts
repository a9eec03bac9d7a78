/**
 * One record as read from the file, before any meaning is given to it.
 * `line` is the 1-based line where the record starts (the CSV header is line 1).
 */
export type SourceRecord =
  /** `refused`: cells read, but the line itself is damaged (a NUL byte): its ids are still read for its outcome. */
  | { readonly kind: "fields"; readonly line: number; readonly fields: string[]; readonly refused?: { readonly code: string; readonly reason: string } }
  | { readonly kind: "object"; readonly line: number; readonly value: Record<string, unknown> }
  | {
      readonly kind: "malformed";
      readonly line: number;
      readonly code: string;
      readonly reason: string;
      /** The record's text as far as it could be read, so a person can see and fix it. */
      readonly raw: string;
      /** The contact and instance it names, where they could be read: its outcome names them. */
      readonly ids?: { readonly contactId: string; readonly instanceId: string | undefined };
    };

/** Records are kept to a size no valid row can reach, so one broken quote cannot swallow memory. */
export const MAX_RECORD_BYTES = 1024 * 1024;
