import type { OutcomeSpool } from "../report/OutcomeSpool.js";
import type { RunStore } from "../store/RunStore.js";

/**
 * Moves a run's outcomes from Redis to its spool file: append and sync first,
 * trim Redis after. A crash in between leaves entries in Redis that the spool
 * already holds; the next drain starts after the spool's last id, so they are
 * trimmed, not written again. Returns how many outcomes moved.
 *
 * `batch` counts stream entries, and an entry may hold a chunk's alike rows (store/outcomeGroups.ts): a batch
 * also ends once it holds `maxRows` outcomes (whole entries: the spool goes on after an entry's id), so its
 * text, and the trim that counts what it drops, stay small whatever the chunk size.
 */
export async function drainOutcomes(store: RunStore, runId: string, spool: OutcomeSpool, batch = 5000, maxRows = 20_000): Promise<number> {
  let moved = 0;
  for (;;) {
    const entries = await store.pendingOutcomes(runId, spool.lastId, batch, maxRows);
    if (entries.length === 0) {
      if (spool.lastId !== "0-0") await store.trimOutcomes(runId, spool.lastId);
      return moved;
    }
    spool.append(entries);
    await store.trimOutcomes(runId, spool.lastId);
    for (const e of entries) moved += e.rows;
  }
}
