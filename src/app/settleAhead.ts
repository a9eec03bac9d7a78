import type { RunManifest } from "../domain/run/manifest.js";
import type { ChunkJobData } from "../queue/ChunkJob.js";
import type { SettleFirst } from "../queue/EnqueueOptions.js";
import { OutcomeWriter, recordRulesOf } from "../worker/OutcomeWriter.js";
import { processChunk } from "../worker/processChunk.js";
import type { AppContext } from "./context.js";
import type { Outcome } from "../domain/Outcome.js";

/** Told each outcome settled here (a `run` process's metrics count them as its workers' own). */
export type OutcomeListener = (runId: string, outcome: Outcome) => void;

/** Never fires: a chunk settled ahead holds no call that a stop would have to cut short. */
const NEVER = new AbortController().signal;

/**
 * The producer of a job that sends only what changed settles, before queueing a chunk, every contact whose
 * rows need no call: what an unchanged night is made of. It runs the workers' own chunk stages (the same
 * settle rules, fold and change memory look-up, the same outcome script) with an executor that leaves
 * every call to a worker, so the queue carries only chunks with something to send, and a worker skips the
 * rows settled here (their done bits). Nothing is sent from here, whatever the run.
 *
 * Only where a contact's rows are all in one chunk (`contactsTogether`: a group is compared whole) and
 * nothing needs a read first (`--lookup-start-time`, `--follow-initial`: the look-up is an API call).
 * After a crash the producer rebuilds the chunk and settles it again: rows already settled keep their one
 * outcome (the done bit), and the rest is queued.
 */
export function settleAhead(ctx: AppContext, runId: string, onOutcome?: OutcomeListener): SettleFirst {
  let run: RunManifest | undefined;
  // In-process, without a batching delay: a chunk's outcomes go as soon as they are settled.
  const writer = new OutcomeWriter(ctx.store, () => recordRulesOf(run), 0, 1000);
  const settle = async (chunks: readonly ChunkJobData[]): Promise<readonly ChunkJobData[]> => {
    run ??= await ctx.store.manifest(runId);
    if (!run || !eligible(run)) return chunks;
    // Several at a time: a chunk's three round trips to Redis (its done bits, the memory's answer, its outcomes)
    // leave the process idle, and other chunks' settling fills that time. Each chunk's contacts are whole in it
    // (contactsTogether), so chunks settle independently; what is left is queued in file order.
    // A batch's chunks, all at once (queue/enqueueFile.ts SETTLED_CHUNKS_PER_BATCH sizes it).
    const manifest = run;
    const needs = await Promise.all(chunks.map((chunk) => needsWorker(chunk, manifest)));
    return chunks.filter((_, i) => needs[i]);
  };
  return { applies: eligible, settle };

  async function needsWorker(chunk: ChunkJobData, manifest: RunManifest): Promise<boolean> {
    let calls = 0;
    const result = await processChunk(chunk, {
      store: ctx.store,
      writer,
      signal: NEVER,
      runFor: async () => manifest,
      changesFor: (job, target) => ctx.store.changeMemory(job, target),
      onOutcome,
      leave: () => {
        calls++;
      },
      // A contact continued from another chunk (more rows than the producer holds) is the worker's to wait for.
      waitPollMs: 0,
      waitHoldMs: 0,
    });
    // Parked (the run is held) or settled whole (a cancel included): a worker has nothing to do with it.
    return !(result === "parked" || (result === "done" && calls === 0));
  }
}

function eligible(run: RunManifest): boolean {
  return run.job?.onlyChanged === true && run.contactsTogether === true && !run.dryRun && !run.lookupStartTime && !run.followInitial;
}
