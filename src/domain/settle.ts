import type { ContactRow } from "../operations/ContactRow.js";
import { emptyFields, type Fields, type Operation } from "../operations/Operation.js";
import type { MaxContactAge } from "./run/manifest.js";
import type { OriginalRecord } from "./originalOf.js";
import type { Outcome } from "./Outcome.js";
import { notSent } from "./outcomes.js";
import { expired, expiredMessage, preApiMessage, startedBeforeApi } from "./ageRules.js";

/** What settling needs of a row: the checked row, what `retry` told it to leave out, and its record for a failure. */
export interface SettleInput extends ContactRow {
  readonly omit: ReadonlyArray<readonly [string, number]> | undefined;
  readonly original: OriginalRecord;
}

/** A row that needs a call: what it sends (without `omit`) and what its outcome will say. */
export interface Ready {
  readonly line: number;
  readonly contactId: string;
  readonly instanceId: string;
  readonly fields: Fields;
  readonly ifCurrent: ContactRow["ifCurrent"];
  readonly omitted: ReadonlyArray<readonly [string, number]>;
  /** The contact has other rows in this run: keep the names applied, for `retry`. */
  readonly chained: boolean;
  /** Said in the row's outcome (where a look-up sent it). */
  readonly note: string | undefined;
  /** The record, for a failure's report line (made only when asked). */
  readonly source: { readonly original: OriginalRecord };
}

export interface SettleRules {
  readonly op: Pick<Operation, "name" | "availableSince">;
  /** Epoch ms: rows of contacts started earlier are `skipped_pre_api`. */
  readonly minContactDate: number;
  readonly maxContactAge: MaxContactAge | undefined;
  /** Epoch ms: rows of contacts started earlier are `skipped_expired` (from maxContactAge and now). */
  readonly cutoff: number | undefined;
  /** Lines whose values equal what the job last sent to their contact (`onlyChanged`). */
  readonly unchanged: ReadonlySet<number>;
  readonly jobName: string | undefined;
  /** The contact has other rows in the run. */
  readonly chained: boolean;
}

/** What a look-up made of a row: another contact or start, and a note for its outcome. */
export interface LookedUpRow {
  readonly row?: ContactRow | undefined;
  readonly note?: string | undefined;
}

/**
 * The rules that settle a row without a call, in the order a person would ask
 * them: started before the API, past retention, unchanged since the job last
 * sent it, or everything it sets already applied by a later line (`retry`).
 * What is left needs a call. Pure: the same rows and rules give the same answer
 * in a worker and in a dry run.
 */
export function settle(rows: readonly SettleInput[], rules: SettleRules, looked?: (line: number) => LookedUpRow): { settled: Outcome[]; ready: Ready[] } {
  const settled: Outcome[] = [];
  const ready: Ready[] = [];
  for (const source of rows) {
    const { line } = source;
    const seen = looked?.(line);
    const r: ContactRow = seen?.row ?? source;
    const ref = { line, contactId: r.contactId, instanceId: r.instanceId };
    if (startedBeforeApi(r.initiationTimestamp, rules.minContactDate)) {
      settled.push(notSent(ref, "skipped_pre_api", "ContactBeforeApi", preApiMessage(line, r.initiationTimestamp as number, rules.minContactDate, rules.op)));
      continue;
    }
    if (rules.maxContactAge && expired(r.initiationTimestamp, rules.cutoff)) {
      settled.push(notSent(ref, "skipped_expired", "ContactExpired", expiredMessage(line, r.initiationTimestamp as number, rules.maxContactAge)));
      continue;
    }
    if (rules.unchanged.has(line)) {
      settled.push(notSent(ref, "unchanged", "Unchanged", `line ${line}: not sent: the same values as job ${rules.jobName} last sent to this contact`));
      continue;
    }
    // `retry` only: names a later line of this contact already applied; sending them would put back older values.
    let fields = r.fields;
    let omitted: Array<readonly [string, number]> = [];
    if (source.omit) {
      fields = Object.assign(emptyFields(), r.fields);
      omitted = source.omit.filter(([k]) => Object.hasOwn(fields, k));
      for (const [k] of omitted) delete fields[k];
    }
    if (omitted.length > 0 && Object.keys(fields).length === 0) {
      const later = [...new Set(omitted.map(([, l]) => l))].sort((a, b) => a - b).join(", ");
      const why = `line ${line}: not sent: everything it sets was applied afterwards by line ${later} of the same contact, and sending it now would put back older values`;
      settled.push(notSent(ref, "superseded", "Superseded", why, { omit: omitted }));
      continue;
    }
    ready.push({ line, contactId: r.contactId, instanceId: r.instanceId, fields, ifCurrent: r.ifCurrent, omitted, chained: rules.chained, note: seen?.note, source });
  }
  return { settled, ready };
}
