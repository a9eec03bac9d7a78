import type { RowGroup } from "../../domain/groupAndFold.js";
import { emptyFields, type Fields, type Operation } from "../../operations/Operation.js";
import type { RunManifest } from "../../domain/run/manifest.js";
import { contactKey, fingerprint } from "../../queue/fieldsFingerprint.js";
import type { ChunkContext } from "./ChunkContext.js";
import type { WorkRow } from "./WorkRow.js";

export interface Changes {
  /** Lines whose contact's folded values equal what the job last left on it (`onlyChanged` only). */
  readonly same: ReadonlySet<number>;
  /**
   * Remembers what an applied call leaves on its contact: the fold, in file order, of the rows of its
   * contact's group in this chunk applied so far. Awaited before their outcomes are written: a later row
   * of the contact (which waits for those outcomes) can then never be overwritten by it.
   */
  remember(rows: ReadonlyArray<{ readonly line: number; readonly omitted: readonly unknown[] }>): Promise<void>;
  /**
   * Forgets what the memory holds for the contact of these lines, in their call's turn, before it goes: until
   * the call is answered the contact may hold either value (a timeout, a worker killed with the call in flight).
   */
  beforeSend(lines: readonly number[]): Promise<void>;
}

export const NO_CHANGES: Changes = { same: new Set(), remember: async () => undefined, beforeSend: async () => undefined };

/** A contact's rows in this chunk, in file order, and the fold of those applied so far (made on the first). */
interface Group {
  readonly rows: WorkRow[];
  readonly contact: string;
  /** Compared with the memory: the chunk holds the contact's rows from its first, none of them done yet. */
  readonly whole: boolean;
  applied?: Fields;
}

/**
 * A job's memory of what it left on each contact. Every run of a job keeps it up to date (with or without
 * `onlyChanged`: a run that sends everything still changes what contacts hold); `onlyChanged` runs also
 * compare, with one look-up for the whole chunk.
 *
 * What is compared is a contact's rows folded in file order (what they leave on the contact, the later line
 * winning), not each row: an export that holds a contact twice leaves the same values every night, and its
 * first row alone (an older value) must not look changed. A contact's rows in one chunk are compared
 * together, as the fold the memory holds. Rows of the contact that continue a chain from an earlier chunk
 * (`after`) are always sent: the contact ends in file order whatever the earlier rows did; their first rows
 * are compared against a memory that holds the later fold, so such a contact is sent again (never left wrong).
 */
export async function lookUpChanges(
  chunkGroups: ReadonlyArray<RowGroup<WorkRow>>,
  finished: ReadonlySet<number>,
  op: Operation,
  manifest: RunManifest,
  ctx: ChunkContext,
  /** Rows a call may carry (not settled by their contact's age): only they are folded for the comparison. */
  sendable: (r: WorkRow) => boolean,
): Promise<Changes> {
  const job = manifest.job;
  if (!job || !ctx.changesFor) return NO_CHANGES;
  const memory = ctx.changesFor(job.name, manifest.target);
  const groups: Group[] = [];
  for (const g of chunkGroups) {
    const todo = finished.size === 0 ? g.rows : g.rows.filter((r) => !finished.has(r.line));
    if (todo.length === 0) continue;
    const first = todo[0] as WorkRow;
    // After a crash, the rows left are not the whole fold: not compared.
    groups.push({ rows: todo, contact: contactKey(first.instanceId, first.contactId), whole: g.after === 0 && todo.length === g.rows.length });
  }
  const fpOf = (g: Group, fields: Fields) => {
    const r = g.rows[0] as WorkRow;
    return fingerprint(r.instanceId, r.contactId, op.name, fields);
  };
  const same = new Set<number>();
  if (job.onlyChanged) {
    // A contact's skipped rows leave nothing on it (the memory holds what was applied): the fold is of the others.
    const asked: Array<{ group: Group; rows: WorkRow[] }> = [];
    for (const g of groups) {
      if (!g.whole) continue;
      const rows = g.rows.every(sendable) ? g.rows : g.rows.filter(sendable);
      if (rows.length > 0) asked.push({ group: g, rows });
    }
    const answers =
      asked.length > 0
        ? await memory.unchanged(
            asked.map((a) => ({ contact: a.group.contact, fp: fpOf(a.group, foldOf(a.rows)) })),
            manifest.runId,
          )
        : [];
    asked.forEach((a, i) => {
      if (answers[i] === true) for (const r of a.group.rows) same.add(r.line);
    });
  }
  // Which group a line is in: made on the first call (a chunk settled whole never sends).
  let groupOf: Map<number, Group> | undefined;
  const groupsByLine = (): Map<number, Group> => {
    if (!groupOf) {
      groupOf = new Map();
      for (const group of groups) for (const r of group.rows) groupOf.set(r.line, group);
    }
    return groupOf;
  };
  return {
    same,
    beforeSend: async (lines) => {
      const contacts = new Set<string>();
      for (const line of lines) {
        const g = groupsByLine().get(line);
        if (g) contacts.add(g.contact);
      }
      if (contacts.size > 0) await memory.forgetContacts([...contacts]);
    },
    remember: async (applied) => {
      const groupOf = groupsByLine();
      // A row sent without some of its fields (retry's omit) is not remembered: its full values were never applied together.
      const touched = new Set<Group>();
      for (const r of applied) {
        const g = groupOf.get(r.line);
        if (!g || r.omitted.length > 0) continue;
        const row = g.rows.find((w) => w.line === r.line) as WorkRow;
        Object.assign((g.applied ??= emptyFields()), row.fields);
        touched.add(g);
      }
      const entries = [...touched].map((g) => ({ contact: g.contact, fp: fpOf(g, g.applied as Fields) }));
      if (entries.length > 0) await memory.remember(entries, manifest.runId);
    },
  };
}

/**
 * The fields rows leave on their contact, applied in file order (the API merges: what a row does not name is kept).
 * A contact's one row is its own fold: the fingerprint reads keys in sorted order, not the object's.
 */
function foldOf(rows: readonly WorkRow[]): Fields {
  if (rows.length === 1) return (rows[0] as WorkRow).fields;
  const out = emptyFields();
  for (const r of rows) Object.assign(out, r.fields);
  return out;
}
