import type { Operation } from "../../operations/Operation.js";
import type { RunManifest } from "../../domain/run/manifest.js";
import { contactKey, fingerprint } from "../../queue/fieldsFingerprint.js";
import type { ChunkContext } from "./ChunkContext.js";
import type { WorkRow } from "./WorkRow.js";

type Entry = { contact: Buffer; fp: Buffer };

export interface Changes {
  /** Lines whose values equal what the job last sent to their contact (`onlyChanged` only). */
  readonly same: ReadonlySet<number>;
  /**
   * Remembers the rows of an applied call, in file order (the contact ends with
   * the last one's). Awaited before their outcomes are written: a later row of
   * the contact (which waits for those outcomes) can then never be overwritten by it.
   */
  remember(rows: ReadonlyArray<{ readonly line: number; readonly omitted: readonly unknown[] }>): Promise<void>;
}

export const NO_CHANGES: Changes = { same: new Set(), remember: async () => undefined };

/**
 * A job's memory of what it sent to each contact. Every run of a job keeps it
 * up to date (with or without `onlyChanged`: a run that sends everything still
 * changes what contacts hold); `onlyChanged` runs also compare, with one look-up
 * for the whole chunk. Only a contact's first row of the run is compared (no
 * `prev`): its later rows are always sent, so the contact ends in file order.
 */
export async function lookUpChanges(
  rows: readonly WorkRow[],
  finished: ReadonlySet<number>,
  op: Operation,
  manifest: RunManifest,
  ctx: ChunkContext,
): Promise<Changes> {
  const job = manifest.job;
  if (!job || !ctx.changesFor) return NO_CHANGES;
  const memory = ctx.changesFor(job.name);
  const entries = new Map<number, Entry>();
  for (const r of rows) {
    if (finished.has(r.line)) continue;
    entries.set(r.line, { contact: contactKey(r.instanceId, r.contactId), fp: fingerprint(r.instanceId, r.contactId, op.name, r.fields) });
  }
  let same = new Set<number>();
  if (job.onlyChanged) {
    const firsts = rows.filter((r) => r.prev === 0 && entries.has(r.line)).map((r) => r.line);
    const answers =
      firsts.length > 0
        ? await memory.unchanged(
            firsts.map((l) => entries.get(l) as Entry),
            manifest.runId,
          )
        : [];
    same = new Set(firsts.filter((_, i) => answers[i] === true));
  }
  return {
    same,
    remember: async (applied) => {
      // A row sent without some of its fields (retry's omit) is not remembered: its full values were never applied together.
      const known = applied
        .filter((r) => r.omitted.length === 0)
        .map((r) => entries.get(r.line))
        .filter((e): e is Entry => e !== undefined);
      if (known.length > 0) await memory.remember(known, manifest.runId);
    },
  };
}
