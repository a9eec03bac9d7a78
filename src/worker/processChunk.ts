import { foldCalls, groupRows, type RowGroup } from "../domain/groupAndFold.js";
import { retentionCutoff, settledByAge } from "../domain/ageRules.js";
import { settle } from "../domain/settle.js";
import { operationNamed } from "../operations/registry.js";
import { cancelRows } from "../queue/cancelRows.js";
import type { ChunkJobData } from "../queue/ChunkJob.js";
import { breakerOf } from "../domain/breaker.js";
import type { RunManifest } from "../domain/run/manifest.js";
import { isHeld } from "../domain/run/state.js";
import { awaitPredecessors } from "./chunk/awaitPredecessors.js";
import type { ChunkContext } from "./chunk/ChunkContext.js";
import type { ChunkResult } from "./chunk/ChunkResult.js";
import { dryCalls } from "./chunk/dryCalls.js";
import type { Executor } from "./chunk/Executor.js";
import { leaveCalls } from "./chunk/leaveCalls.js";
import { lookUpChanges } from "./chunk/lookUpChanges.js";
import { Recorder } from "./chunk/Recorder.js";
import { sendCalls } from "./chunk/sendCalls.js";
import { StopState } from "./chunk/StopState.js";
import { type WorkRow, workRowsOf } from "./chunk/WorkRow.js";
import type { LookedUp } from "./beforeSend.js";

export type { ChunkContext, SendDeps } from "./chunk/ChunkContext.js";
export type { ChunkResult } from "./chunk/ChunkResult.js";

function cancelReason(reason: string | undefined): string {
  return `the run was cancelled${reason ? ` (${reason})` : ""}`;
}

/**
 * One chunk of a run, as stages: settle (rows that need no call get their
 * outcome), plan (a contact's rows folded into calls), execute (sent, or for a
 * dry run only described) and record (outcomes into the run's log). Rows of a
 * contact whose earlier line is in another chunk wait for it. After a crash the
 * chunk runs again: rows that already have an outcome are not sent twice.
 * `tally`: outcomes this call of the chunk recorded, by status.
 */
export async function processChunk(data: ChunkJobData, ctx: ChunkContext, tally: Record<string, number> = {}): Promise<ChunkResult> {
  const manifest = await ctx.runFor(data.runId);
  if (!manifest) return "unknown-run";
  const rows = workRowsOf(data, manifest);
  const groups = groupRows(rows);
  const external = groups.filter((g) => g.after !== 0).map((g) => g.after);
  // Asked together (one wait, not three): the run's state, marked started where it may be worked, and the lines already done.
  const [atStart, finished] = await Promise.all([
    ctx.store.startChunk(data.runId, Date.now()),
    ctx.store.finished(data.runId, [...rows.map((r) => r.line), ...external]),
  ]);
  if (atStart.state === "cancelled") return cancelled(data, ctx, manifest, atStart.stopReason);
  if (isHeld(atStart.state)) {
    await ctx.store.park(data);
    return "parked";
  }
  // The manifest was cached, but the run's hash is gone (pruned, or Redis lost its data).
  if (atStart.state === "") return "unknown-run";
  const op = operationNamed(manifest.operation);
  const cutoff = retentionCutoff(manifest.maxContactAge ?? null, Date.now());
  // What the memory is compared with is what the rows that can be sent leave (a row settled by age never is).
  const sendable = (r: WorkRow) => !settledByAge(r.initiationTimestamp, manifest.minContactDate, cutoff);
  const changes = await lookUpChanges(groups, finished, op, manifest, ctx, sendable);
  const stop = new StopState(ctx.signal, ctx.stopNew);
  const recorder = new Recorder(data.runId, ctx, stop, tally);
  const executor: Executor = ctx.leave
    ? leaveCalls(ctx.leave)
    : manifest.dryRun
      ? dryCalls(data.runId, ctx.store, recorder)
      : sendCalls(data.runId, manifest, op, breakerOf(manifest), ctx, stop, recorder, changes);
  const rules = {
    op,
    minContactDate: manifest.minContactDate,
    maxContactAge: manifest.maxContactAge ?? null,
    cutoff,
    unchanged: changes.same,
    jobName: manifest.job?.name,
  };
  // Made once per chunk, not spread per group: a new object per group made settle's reads of it slow (a 200k-row dry run spent ~6% of its time there).
  const plainRules = { ...rules, chained: false };
  const chainedRules = { ...rules, chained: true };

  /** Settles a contact's rows and executes its calls: a promise only where something is awaited. */
  const settleGroup = (g: RowGroup<WorkRow>, todo: readonly WorkRow[], looked?: LookedUp): Promise<void> | undefined => {
    let open = todo;
    if (looked) {
      recorder.write(looked.settled);
      open = todo.filter((r) => !looked.settledLines.has(r.line));
    }
    const { settled, ready } = settle(open, g.after !== 0 || g.rows.length > 1 ? chainedRules : plainRules, (line) => ({
      row: looked?.rows.get(line),
      note: looked?.notes.get(line),
    }));
    recorder.settle(settled);
    return ready.length > 0 ? executor.execute(foldCalls(ready, op)) : undefined;
  };
  const runGroup = (g: RowGroup<WorkRow>): Promise<void> | undefined => {
    const todo = finished.size === 0 ? g.rows : g.rows.filter((r) => !finished.has(r.line));
    if (todo.length === 0 || stop.halted()) {
      if (todo.length > 0) stop.handBack();
      return undefined;
    }
    const { lookUp } = executor;
    if (!lookUp) return settleGroup(g, todo);
    return lookUp(todo).then((looked) => (looked.handback ? stop.handBack() : settleGroup(g, todo, looked)));
  };

  const tasks: Array<Promise<void>> = [];
  let running = 0;
  const start = (g: RowGroup<WorkRow>) => {
    let work: Promise<void> | undefined;
    try {
      work = runGroup(g);
    } catch (err) {
      stop.fail(err);
      return;
    }
    // Settled in this turn (a dry run, the producer settling ahead): nothing to wait for.
    if (!work) return;
    running++;
    tasks.push(work.catch((err) => stop.fail(err)).finally(() => running--));
  };
  const waiting: Array<RowGroup<WorkRow>> = [];
  for (const g of groups) {
    if (g.after === 0 || finished.has(g.after)) start(g);
    else waiting.push(g);
  }
  const stillWaiting = await awaitPredecessors(waiting, {
    runId: data.runId,
    store: ctx.store,
    stop,
    signal: ctx.stopNew ?? ctx.signal,
    running: () => running,
    start,
    pollMs: ctx.waitPollMs ?? 100,
    holdMs: ctx.waitHoldMs ?? 1500,
  });
  // Every call of the chunk has ended, and every outcome is durable, before the chunk's result (or error) goes up:
  // the chunk may be handed back, and no call of it must still be running when another worker takes it.
  await Promise.all(tasks);
  await recorder.done();
  await executor.finish();
  const result = stop.result(stillWaiting.length > 0);
  if (result === "cancelled") return cancelled(data, ctx, manifest, (await ctx.store.state(data.runId)).stopReason);
  if (result === "parked") await ctx.store.park(data);
  return result;
}

/** Calls in flight finished; what was not sent is settled here, not queued again. */
async function cancelled(data: ChunkJobData, ctx: ChunkContext, manifest: RunManifest, reason: string | undefined): Promise<"done"> {
  await cancelRows(ctx.store, manifest, data, cancelReason(reason));
  return "done";
}
