import { setMaxListeners } from "node:events";
import type { ApiName } from "../../connect/readContact.js";
import type { PlannedCall } from "../../domain/groupAndFold.js";
import type { Ready } from "../../domain/settle.js";
import type { Operation } from "../../operations/Operation.js";
import type { BreakerSettings, RecordedOutcome, SendFlag } from "../../domain/breaker.js";
import type { RunManifest } from "../../domain/run/manifest.js";
import type { Outcome } from "../../domain/Outcome.js";
import { sent } from "../../domain/outcomes.js";
import { canaryPauseReason, lookUpStarts, readBefore } from "../beforeSend.js";
import { type ApiCall, type SendContext, sendCall, type SendResult } from "../../connect/sendCall.js";
import type { ChunkContext, SendDeps } from "./ChunkContext.js";
import { laneOf } from "../CallSlots.js";
import type { Executor } from "./Executor.js";
import type { Recorder } from "./Recorder.js";
import type { StopState } from "./StopState.js";
import type { Changes } from "./lookUpChanges.js";

type Done = Extract<SendResult, { kind: "done" }>;

/** `earlier`: a try before this one kept the contact's image and the contact changed since (Outcome.maybeApplied). */
type Answer =
  | { readonly kind: "handback" }
  | { readonly kind: "settled"; readonly items: RecordedOutcome[] }
  | (Done & { readonly image: Outcome["image"]; readonly earlier?: boolean });

/** What the circuit breaker counts of a call's answer (0: nothing; see the outcome log's record script). */
export function flagOf(res: Done, ignored: ReadonlySet<string>): SendFlag {
  if (res.status === "updated") return 1;
  if (ignored.has(res.errorCode)) return 0;
  if (res.failure === "credentials") return 4;
  if (res.failure === "unanswered") return 3;
  return 2;
}

/** Lines of a call named in each of its rows' messages, at most. */
const MAX_NAMED_LINES = 10;

/** One outcome per row of a call; the last row carries the call (its attempts, its before-image). */
export function outcomesOf(call: PlannedCall<Ready>, res: Done, flag: SendFlag, image?: Outcome["image"], earlier = false): RecordedOutcome[] {
  const lines = call.rows.map((r) => r.line);
  // A few lines are named; past that, how many and from where to where: each row's message would otherwise name
  // every other line of its call (10,000 rows of one contact made 10^8 characters, and the worker never finished).
  const many = lines.length > MAX_NAMED_LINES ? `${lines.length - 1} other lines (${lines[0]} to ${lines[lines.length - 1]})` : undefined;
  return call.rows.map((row, i) => {
    const others = many ?? (lines.length > 1 ? `line ${lines.filter((l) => l !== row.line).join(", ")}` : "");
    const together = others !== "" ? `applied in one call with ${others} of the same contact, in file order` : "";
    const without = row.omitted.length > 0 ? `sent without ${row.omitted.map(([k, l]) => `${k} (applied by line ${l})`).join(", ")}` : "";
    const failed = res.status === "failed";
    const maybe = failed && earlier ? "an earlier try of this call, whose worker stopped before its answer, may have been applied" : "";
    const notes = [row.note ?? "", together, without, maybe].filter((n) => n !== "").join("; ");
    const carrier = i === call.rows.length - 1;
    const message = failed ? `line ${row.line}: ${res.message}${notes ? ` (${notes})` : ""}` : notes ? `line ${row.line}: ${notes}` : "";
    const outcome = sent({ line: row.line, contactId: row.contactId, instanceId: row.instanceId }, res, message, {
      carrier,
      original: failed ? row.source.original : undefined,
      retryable: failed && !res.permanent,
      keys: !failed && (row.chained || call.rows.length > 1) ? Object.keys(row.fields) : undefined,
      omit: failed && row.omitted.length > 0 ? row.omitted : undefined,
      image: carrier && !failed ? image : undefined,
      maybeApplied: failed && earlier,
    });
    return { outcome, flag };
  });
}

/**
 * A real run's execute stage: each call waits for its turn in the process's
 * call budget, takes its canary places, reads the contact first where the run
 * keeps before-images or the row has a condition, and is sent through its API's
 * governor; the job's memory learns what was applied before its outcome is visible.
 */
export function sendCalls(
  runId: string,
  manifest: RunManifest,
  op: Operation,
  breaker: BreakerSettings,
  ctx: ChunkContext,
  stop: StopState,
  recorder: Recorder,
  changes: Changes,
): Executor {
  const deps = ctx.send as SendDeps;
  if (!deps) throw new Error("a chunk of a real run needs a client to send with");
  const ignored = new Set(breaker.ignore);
  const images = ctx.store.beforeImages;
  const flag = (res: Done) => flagOf(res, ignored);
  const onAttempt = deps.onAttempt ? (call: Parameters<NonNullable<SendDeps["onAttempt"]>>[1]) => deps.onAttempt?.(runId, call) : undefined;
  // In Redis before the request goes, in its turn (SentCalls): a worker killed at any point after has counted it.
  // And a write's contacts are forgotten by the job's memory then: an answer that never comes may be applied.
  const countSent = (writes?: readonly number[]) => async (): Promise<boolean> => {
    if (!(await ctx.store.countSent(runId, writes))) {
      // Cancelled meanwhile: this call and the chunk's others stay unsent (the cancel settles them "not sent").
      stop.learn("cancelled");
      return false;
    }
    if (writes) await changes.beforeSend(writes);
    return true;
  };
  // A canary run's call, after its turn: held by a pause that came meanwhile, or noted in flight until answered,
  // in one step, so the run never says it is paused while this call may still reach the service.
  const stillGoing = async (): Promise<false | (() => void)> => {
    const go = await ctx.store.flyCanary(runId);
    if ("held" in go) {
      stop.learn(go.held);
      return false;
    }
    return () => {
      go.landed().catch((err: unknown) => ctx.log?.warn({ runId, err }, "a canary call's end could not be noted (Redis); the pause waits a few seconds more"));
    };
  };
  // Set when the run stops for throttling without progress: no new try starts, waits for a turn end.
  const stalled = new AbortController();
  // Or cancelled, paused or stopped, as an outcome written meanwhile says: a call waiting for its turn is not sent.
  stop.whenHalted(() => stalled.abort());
  const stopNew = AbortSignal.any(ctx.stopNew ? [ctx.signal, ctx.stopNew, stalled.signal] : [ctx.signal, stalled.signal]);
  // Every row of the chunk waits on it (a turn, a backoff): more than the default 10 listeners is expected.
  setMaxListeners(0, stopNew);
  // A run with a pace of its own waits for its turns in lanes of its own: its calls never hold back another run's.
  const paced = manifest.rate !== undefined;
  /** `writes`: the lines a call of the run's operation carries (marked as possibly sent as it goes). */
  const sendContext =
    (line: number, writes?: readonly number[]) =>
    (api: ApiCall): SendContext => ({
      client: deps.client,
      places: deps.slots.placesOf(laneOf(api.name, runId, paced)),
      // Quotas are per API: each call goes through its own API's governor.
      governor: deps.governorFor(api.name as ApiName),
      pace: manifest.rate !== undefined ? deps.paceFor?.(runId, manifest.rate) : undefined,
      op: api,
      policy: deps.policy,
      signal: ctx.signal,
      stopNew,
      ...(onAttempt ? { onAttempt } : {}),
      onSend: countSent(api === op ? writes : undefined),
      // Throttled without progress for long: the run stops (as the breaker stops it), its unsent rows stay queued.
      onStall: async (reason) => {
        await ctx.store.stopIfGoing(runId, `${reason}; rows not yet sent stay queued: once the service lets calls through, run "connect-backfill resume ${runId}"`);
        stop.learn("stopped");
        // The chunk's other rows waiting for a turn go back at once, not one turn (at the slowest rate) each.
        stalled.abort();
      },
      // A canary run pauses once its places are used: a call that waited for its turn meanwhile stays unsent.
      ...(manifest.canary ? { mayGo: stillGoing } : {}),
      ...(ctx.log ? { log: ctx.log, line } : {}),
    });

  const readAndSend = async (call: PlannedCall<Ready>): Promise<Answer> => {
    const carrier = call.rows[call.rows.length - 1] as Ready;
    const target = { instanceId: carrier.instanceId, contactId: carrier.contactId };
    const make = sendContext(
      carrier.line,
      call.rows.map((r) => r.line),
    );
    let image: Outcome["image"];
    let earlier = false;
    let read: { attempts: number; throttles: number } | undefined;
    if (manifest.captureBefore || call.rows.some((r) => r.ifCurrent !== undefined)) {
      const before = await readBefore(make, target, call);
      if (before.kind === "handback") return before;
      if (before.kind === "settled") return { kind: "settled", items: before.outcomes(flag) };
      // Kept before the call goes, first read wins: a call sent again after its worker died reads the run's own
      // values back, and the image its outcome carries must still be what the contact held before the run.
      const kept = manifest.captureBefore ? await images.keep(runId, target.instanceId, target.contactId, before.image.before) : undefined;
      image = kept ? { ...before.image, before: kept } : before.image;
      // An earlier try kept other values than the contact holds now: it may have been applied (its worker stopped).
      earlier = kept !== undefined && Object.keys(kept).some((name) => kept[name] !== before.image.before[name]);
      read = before.read;
    }
    const res = await sendCall(make(op), target, call.fields);
    // The read is part of the row's cost: its calls count in the row's attempts.
    if (read && res.kind === "done") return { ...res, attempts: res.attempts + read.attempts, throttles: res.throttles + read.throttles, image, earlier };
    return res.kind === "done" ? { ...res, image, earlier } : { kind: "handback" };
  };

  /**
   * A canary's places for the call's rows. `wait` (the allowance is used up, calls holding places are still
   * out): that contact's rows stop while the chunk's others go on (a row holding a place must still go), and
   * the chunk goes back to the queue at its end, so a worker's chunk slots are free for a dead holder's chunks,
   * whose rows go again on the places they hold.
   */
  const placed = async (call: PlannedCall<Ready>): Promise<boolean> => {
    if (!manifest.canary) return true;
    const go = await ctx.store.takeCanary(
      runId,
      call.rows.map((r) => r.line),
      canaryPauseReason(runId, manifest.canary),
    );
    if (go === "send") return true;
    if (go === "wait") stop.defer();
    else stop.learn(go);
    return false;
  };

  /** In the call's turn: a stop may have come while it queued. */
  const inTurn = async (call: PlannedCall<Ready>): Promise<Answer | undefined> => (stop.halted() ? undefined : readAndSend(call));

  return {
    lookUp: (rows) =>
      lookUpStarts(rows, {
        enabled: manifest.lookupStartTime === true,
        followInitial: manifest.followInitial === true,
        runId,
        op: op.name,
        ...(deps.starts ? { cache: deps.starts } : {}),
        send: sendContext,
        limit: (fn) => deps.slots.inRun(runId, fn),
        flagOf: flag,
        halted: () => stop.halted(),
      }),
    async execute(calls) {
      // One call at a time: a contact's next call goes out only once the previous one is answered.
      for (const call of calls) {
        if (stop.halted()) return stop.handBack();
        // Places are taken before the call waits for its turn. A call handed back keeps its places: its rows go
        // again on them.
        if (!(await placed(call))) return stop.deferred ? undefined : stop.handBack();
        const answer = await deps.slots.inRun(runId, () => inTurn(call));
        if (!answer || answer.kind === "handback") return stop.handBack();
        if (answer.kind === "settled") {
          recorder.write(answer.items);
          continue;
        }
        // Remembered only once applied (a row that failed is sent again next time), and before its outcome is visible.
        if (answer.status === "updated") await changes.remember(call.rows);
        const written = recorder.write(outcomesOf(call, answer, flag(answer), answer.image, answer.earlier));
        // The image is in the call's outcome now: Redis keeps only the images of calls in flight, not of the
        // whole backfill. A later call of the contact reads the run's own values for these names, but rollback
        // takes each name's first image, this one.
        const image = answer.status === "updated" ? answer.image : undefined;
        if (image) {
          const carrier = call.rows[call.rows.length - 1] as Ready;
          void written.then(() => images.forget(runId, carrier, Object.keys(image.before)));
        }
      }
    },
    finish: async () => undefined,
  };
}
