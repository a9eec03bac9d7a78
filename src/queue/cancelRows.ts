import { contactRowOf } from "../domain/queuedRow.js";
import { notSent } from "../domain/outcomes.js";
import type { ChunkJobData } from "./ChunkJob.js";
import { breakerOf, type RecordedOutcome } from "../domain/breaker.js";
import { groupsOutcomes, type RunManifest } from "../domain/run/manifest.js";
import type { RunStore } from "../store/RunStore.js";

/**
 * Gives every row of a chunk that has no outcome yet the status `cancelled`:
 * `Cancelled` (never sent), or `MaybeSent` where a worker handed its call to the
 * service and then died or stopped before the answer (the service applies a call
 * whether or not its caller lives on). Safe to run twice and from several processes at once: the first
 * outcome of a line is the only one. Used by workers meeting a cancelled run and
 * by `cancel` for the chunks still queued or parked.
 */
export async function cancelRows(
  store: RunStore,
  manifest: Pick<RunManifest, "defaultInstanceId" | "version">,
  chunk: ChunkJobData,
  reason: string,
): Promise<number> {
  const finished = await store.finished(
    chunk.runId,
    chunk.rows.map(([line]) => line),
  );
  const open = chunk.rows.filter((q) => !finished.has(q[0]));
  const maybe = await store.maybeSent(
    chunk.runId,
    open.map(([line]) => line),
  );
  const items: RecordedOutcome[] = [];
  for (const q of open) {
    const { line, contactId, instanceId } = contactRowOf(q, chunk.names, manifest.defaultInstanceId);
    const ref = { line, contactId, instanceId };
    const outcome = maybe.has(line)
      ? notSent(
          ref,
          "cancelled",
          "MaybeSent",
          `line ${line}: may have been sent: a worker had sent its call and stopped before the answer; ${reason}; look at the contact`,
        )
      : notSent(ref, "cancelled", "Cancelled", `line ${line}: not sent: ${reason}`);
    items.push({ flag: 0, outcome });
  }
  // Not-sent rows (flag 0) never touch the breaker: its settings here are only the defaults.
  if (items.length > 0) await store.record(chunk.runId, items, breakerOf(undefined), groupsOutcomes(manifest));
  return items.length;
}
