import { unlink } from "node:fs/promises";
import { join } from "node:path";
import { enqueueFile } from "../queue/enqueueFile.js";
import { contactKey } from "../queue/fieldsFingerprint.js";
import type { Outcome } from "../domain/Outcome.js";
import { ensureDir } from "../report/ensureDir.js";
import { AppError, RunNotFoundError } from "./AppError.js";
import type { AppContext } from "./context.js";
import { breakerSettings } from "./enqueueOptions.js";
import { followOutcomes, openRunSpool, untilParked } from "./report.js";
import { runQueued, type RunFileOptions, type RunFileResult } from "./runFile.js";
import { besideParent } from "./besideParent.js";
import { childRunId } from "./childRunId.js";
import { writeRollbackInput } from "./rollbackInput.js";
import { refuseConflicts } from "./runSettings.js";

export interface RollbackOptions extends RunFileOptions {
  /** Write the before-images even over values someone changed since the run. */
  readonly force: boolean;
}

/** `unimaged`: calls the run applied that carry no before-image (a worker of a version before --capture-before worked them): not undone. */
/**
 * `unvouched`: contacts a call of the run may have written without its row ending `updated` (a worker died
 * holding the call and the run was cancelled, or retries ran out without an answer): what that call wrote is
 * not undone (names the contact's updated rows wrote are), said in numbers.
 */
export type RollbackResult =
  | ({ readonly kind: "run"; readonly contacts: number; readonly unimaged: number; readonly unvouched: number } & RunFileResult)
  | { readonly kind: "nothing"; readonly unimaged: number; readonly unvouched: number };

/** One contact's undo: the value each name held before the run's first write, and what the run last wrote. */
interface Undo {
  readonly instanceId: string;
  readonly contactId: string;
  readonly before: Map<string, string | null>;
  readonly wrote: Map<string, string>;
}

/**
 * Gathers, per contact, what the run changed: the before-image of its first
 * write of each name (its rows were applied in file order, so that is the value
 * before the run) and the value its last write left.
 */
export function undoOf(outcomes: Iterable<Outcome>): { undo: Map<string, Undo>; unimaged: number; unvouched: number } {
  const undo = new Map<string, Undo>();
  const maybe = new Set<string>();
  let unimaged = 0;
  for (const o of outcomes) {
    // A call that may have been applied: its worker died holding it (MaybeSent), it went unanswered, or a try of it
    // before the one that failed was (its worker died after keeping the image: maybeApplied).
    if ((o.status === "cancelled" && o.errorCode === "MaybeSent") || (o.status === "failed" && ((o.retryable && o.attempts > 0) || o.maybeApplied)))
      maybe.add(`${o.instanceId}\u0000${o.contactId}`);
    if (o.status !== "updated") continue;
    // The row that closed a call carries the call's attempts and, captured, its image.
    if (!o.image) {
      if (o.attempts > 0) unimaged++;
      continue;
    }
    const key = `${o.instanceId}\u0000${o.contactId}`;
    let u = undo.get(key);
    if (!u) {
      u = { instanceId: o.instanceId, contactId: o.contactId, before: new Map(), wrote: new Map() };
      undo.set(key, u);
    }
    for (const [k, v] of Object.entries(o.image.before)) if (!u.before.has(k)) u.before.set(k, v);
    for (const [k, v] of Object.entries(o.image.wrote)) u.wrote.set(k, v);
  }
  // Such a call's names are not known here: where another row of its contact ended updated, that row's names are
  // undone, but the contact is still not vouched for (a name only the uncertain call wrote would stay as it left it).
  return { undo, unimaged, unvouched: maybe.size };
}

/**
 * `connect-backfill rollback`: a new run, linked to its parent like `retry`,
 * that writes each updated contact's before-image back for the names the run
 * changed. Connect has no delete: a name that did not exist before is set to "".
 * Each row expects (`ifCurrent`) the values the run wrote: a contact changed by
 * someone else since is not overwritten unless `force`. The rollback captures
 * before-images of its own, so it can be rolled back too.
 */
export async function rollbackRun(ctx: AppContext, parentId: string, opts: RollbackOptions): Promise<RollbackResult> {
  const parent = await ctx.store.progress(parentId);
  if (!parent) throw new RunNotFoundError(parentId, ctx.config.prefix);
  const m = parent.manifest;
  // The writes are undone where they were made, whatever the shell says.
  refuseConflicts(m, ctx.config, `run ${parentId}, whose target rollback keeps`);
  ctx = { ...ctx, config: await besideParent(ctx, parentId) };
  const { config } = ctx;
  if (m.dryRun) throw new AppError(`run ${parentId} was a dry run: it wrote nothing, there is nothing to roll back.`);
  if (m.operation !== "UpdateContactAttributes") {
    throw new AppError(
      `run ${parentId} applied ${m.operation}, which keeps no before-images (Connect has no read of a contact's references); only UpdateContactAttributes runs roll back.`,
    );
  }
  if (!m.captureBefore) {
    throw new AppError(`run ${parentId} was not run with --capture-before: it kept no before-images to write back.`);
  }
  if (!parent.complete && parent.state !== "paused" && parent.state !== "stopped" && parent.state !== "cancelled") {
    throw new AppError(
      `run ${parentId} is still going (${parent.pending} rows without an outcome): its later writes would not be undone; cancel it first ("connect-backfill cancel ${parentId}") or let it finish.`,
    );
  }
  // A paused or stopped run's chunks finish the calls they had in flight before they park: their writes are undone too.
  if (!parent.complete) await untilParked(ctx.queues, m);
  await followOutcomes(ctx.store, config, parentId, (drain) => drain());
  const spool = await openRunSpool(ctx.store, config, parentId);
  let undo: Map<string, Undo>;
  let unimaged: number;
  let unvouched: number;
  try {
    ({ undo, unimaged, unvouched } = undoOf(spool.inLineOrder().outcomes()));
  } finally {
    spool.close();
  }
  if (undo.size === 0) return { kind: "nothing", unimaged, unvouched };
  const runId = await childRunId(ctx, m, "rollback");
  // The job's memory says what its night left on these contacts; the rollback changes that. Forgotten before the
  // first call goes, so the job's next night compares them with nothing and sends them (not `unchanged`).
  if (m.job) await ctx.store.changeMemory(m.job.name, m.target).forgetContacts([...undo.values()].map((u) => contactKey(u.instanceId, u.contactId)));
  // The rows are customer data: they live in the rollback's own report folder, owner-only.
  const dir = join(config.reportsDir, runId);
  await ensureDir(dir);
  const { path: input, made } = await writeRollbackInput(dir, runId, rowsOf(undo, opts.force));
  const res = await runQueued(
    ctx,
    runId,
    (onReady) =>
      enqueueFile(ctx.store, ctx.queues, {
        path: input,
        format: "jsonl",
        runId,
        instanceId: undefined,
        operation: "UpdateContactAttributes",
        minContactDate: undefined,
        chunkSize: config.chunkSize,
        parentRunId: parentId,
        breaker: breakerSettings(config),
        maxContactAge: m.maxContactAge,
        target: m.target,
        safety: { captureBefore: true, rollbackOf: parentId },
        onReady,
      }),
    { ...opts, target: m.target },
  ).catch(async (err: unknown) => {
    // Refused (the id was taken meanwhile by another command's run): the rows it wrote are no run's; gone with it.
    // Kept when Redis cannot say (the run may exist and go on with them).
    const run = made
      ? await ctx.store.manifest(runId).then(
          (r) => r ?? null,
          () => undefined,
        )
      : undefined;
    if (run === null || (run && run.rollbackOf !== parentId)) await unlink(input).catch(() => undefined);
    throw err;
  });
  return { kind: "run", contacts: undo.size, unimaged, unvouched, ...res };
}

/** The rollback's rows: each contact's before-images, expecting (unless `force`) the values the run wrote. */
function* rowsOf(undo: Map<string, Undo>, force: boolean): Iterable<object> {
  for (const u of undo.values()) {
    // Null prototypes: "__proto__" is an attribute name like any other.
    const attributes = Object.create(null) as Record<string, string>;
    for (const [k, v] of u.before) attributes[k] = v ?? "";
    const ifCurrent = Object.create(null) as Record<string, string>;
    for (const [k, v] of u.wrote) ifCurrent[k] = v;
    yield { instanceId: u.instanceId, contactId: u.contactId, attributes, ...(force ? {} : { ifCurrent }) };
  }
}
