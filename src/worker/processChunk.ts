import type { ConnectClient } from "@aws-sdk/client-connect";
import type { LimitFunction } from "p-limit";
import type { ChunkJobData, ChunkRow } from "../queue/ChunkJob.js";
import type { ChunkDecoder } from "../queue/decodeChunk.js";
import { cancelRows } from "../queue/cancelRows.js";
import type { ChangeMemory } from "../store/changeMemory.js";
import { contactKey, fingerprint } from "../queue/fieldsFingerprint.js";
import type { DecodedRow } from "../queue/decodeChunk.js";
import { breakerOf, type RecordedOutcome, type SendFlag } from "../domain/breaker.js";
import type { RunManifest } from "../domain/run/manifest.js";
import { isHeld } from "../domain/run/state.js";
import type { RunStore } from "../store/RunStore.js";
import type { ApiName } from "../connect/readContact.js";
import type { ContactRow } from "../operations/ContactRow.js";
import type { RateGovernor } from "../rate/RateGovernor.js";
import { sleep } from "../rate/RateGovernor.js";
import type { Outcome } from "../report/Outcome.js";
import { notSent, sent, wouldUpdate } from "../report/outcomes.js";
import { canaryPauseReason, lookUpStarts, readBefore, type StartCache } from "./beforeSend.js";
import { expired, expiredMessage, preApiMessage, retentionCutoff, startedBeforeApi } from "./ageCheck.js";
import type { OutcomeWriter } from "./OutcomeWriter.js";
import { foldCalls, groupRows, type PlannedCall, type RowGroup, type Sendable } from "./planChunk.js";
import { type ApiCall, type CallResult, type SendContext, sendRow, type SendPolicy, type SendResult } from "./sendRow.js";

export interface ChunkContext {
  readonly store: RunStore;
  readonly writer: OutcomeWriter;
  /** The shared governor of an API (the run's operation, or a read): quotas are per API. */
  readonly governorFor: (api: ApiName) => RateGovernor;
  readonly client: ConnectClient;
  /** Shared by every chunk of this process: the process's in-flight call budget. */
  readonly limit: LimitFunction;
  readonly policy: SendPolicy;
  /** Fires on shutdown: calls in flight are cancelled and their rows handed back. */
  readonly signal: AbortSignal;
  /** Fires when a graceful stop begins: no new call starts (retries included); rows without an outcome go back. */
  readonly stopNew?: AbortSignal;
  readonly runFor: (runId: string) => Promise<{ manifest: RunManifest; decoder: ChunkDecoder } | undefined>;
  readonly onOutcome?: (runId: string, o: Outcome) => void;
  /** Every call's result, for live figures and the report's timeline. */
  readonly onAttempt?: (runId: string, call: CallResult) => void;
  /** Row-level debug logs: ids and codes only, never attribute values (customer data). */
  readonly log?: { debug: (obj: object, msg: string) => void; warn: (obj: object, msg: string) => void };
  /** A job's memory of what it last sent to each contact (`onlyChanged`). */
  readonly changesFor?: (job: string) => ChangeMemory;
  /** `--lookup-start-time`: DescribeContact answers, kept per run and contact by this process. */
  readonly starts?: StartCache;
  /** How often a chunk looks again for a predecessor line finished by another worker. */
  readonly waitPollMs?: number;
  /** How long a chunk waits for predecessors once its other rows are done, before it goes back to the queue. */
  readonly waitHoldMs?: number;
}

/**
 * `done`: every row has an outcome. `parked`: the run was stopped (circuit
 * breaker); the chunk waits in the run's parked list for `resume`. `handback`:
 * shutdown came first; rows without an outcome go back to the queue.
 * `waiting`: some rows wait for an earlier line of their contact that another
 * chunk has not finished yet; the chunk goes back to the queue for a moment.
 */
export type ChunkResult = "done" | "parked" | "handback" | "waiting" | "unknown-run";

/** A row of a group, decoded and ready to send (fields already without `omit`). */
interface Ready extends Sendable {
  readonly original: Outcome["original"];
  readonly omitted: ReadonlyArray<readonly [string, number]>;
  /** The contact has other rows in this run: keep the names applied, for `retry`. */
  readonly chained: boolean;
  /** Values the contact must hold for the row to be written (a rollback's check). */
  readonly ifCurrent: ContactRow["ifCurrent"];
  /** Said in the row's outcome (where a look-up sent it). */
  readonly note: string | undefined;
}

function cancelReason(reason: string | undefined): string {
  return `the run was cancelled${reason ? ` (${reason})` : ""}`;
}

/** `tally`: outcomes this call of the chunk recorded, by status (for the chunk's log line and metrics). */
export async function processChunk(data: ChunkJobData, ctx: ChunkContext, tally: Record<string, number> = {}): Promise<ChunkResult> {
  const run = await ctx.runFor(data.runId);
  if (!run) return "unknown-run";
  const { manifest, decoder } = run;
  const atStart = await ctx.store.state(data.runId);
  if (atStart.state === "cancelled") {
    await cancelRows(ctx.store, decoder, data, cancelReason(atStart.stopReason));
    return "done";
  }
  if (isHeld(atStart.state)) {
    await ctx.store.park(data);
    return "parked";
  }
  // The manifest was cached, but the run's hash is gone (pruned, or Redis lost its data).
  if (atStart.state === "") return "unknown-run";
  await ctx.store.markStarted(data.runId, Date.now());
  const groups = groupRows(data.rows);
  // After a crash the chunk runs again: rows that already have an outcome are not sent twice.
  const external = groups.filter((g) => g.after !== 0).map((g) => g.after);
  const finished = await ctx.store.finished(data.runId, [...data.rows.map(([line]) => line), ...external]);
  const changes = await lookUpChanges(data, finished, decoder, manifest, ctx);
  const breaker = breakerOf(manifest);
  const ignored = new Set(breaker.ignore);
  /** The circuit breaker stopped the run; `paused`: a canary's allowance is used up. Both park the chunk. */
  let stopped = false;
  let paused = false;
  let cancelled = false;
  let handback = false;
  let gone = false;
  /** The first error of a write or a Redis read: the chunk stops sending and the error goes to the caller. */
  let failure: { error: unknown } | undefined;
  const fail = (error: unknown) => {
    failure ??= { error };
  };
  const writes: Array<Promise<void>> = [];
  const onAttempt = ctx.onAttempt ? (call: CallResult) => ctx.onAttempt?.(data.runId, call) : undefined;
  /** Nothing may be sent any more: cancel, a lost run, a Redis error, shutdown. */
  const mustStop = () => cancelled || gone || failure !== undefined || ctx.signal.aborted || ctx.stopNew?.aborted === true;
  /** No new call starts: the above, or the run stopped or paused, or rows went back. */
  const halted = () => stopped || paused || handback || mustStop();
  const held = () => stopped || paused;

  const write = (items: RecordedOutcome[]) => {
    if (items.length === 0) return;
    for (const { outcome: o } of items) {
      if (o.status !== "updated") {
        ctx.log?.debug(
          { runId: data.runId, line: o.line, contactId: o.contactId, status: o.status, errorCode: o.errorCode, httpStatus: o.httpStatus },
          "row not updated",
        );
      }
    }
    // Written outside the call budget: the next call need not wait for Redis. All
    // rows of one call go in one script call, so a crash never leaves half of them.
    // Settled here, at once: a write that fails while the chunk's other calls go
    // on must stop them, and must not be an unhandled rejection (Node would exit).
    writes.push(
      ctx.writer.addAll(data.runId, items).then((state) => {
        if (state === "gone") {
          gone = true;
          return;
        }
        for (const { outcome } of items) {
          tally[outcome.status] = (tally[outcome.status] ?? 0) + 1;
          ctx.onOutcome?.(data.runId, outcome);
        }
        if (state === "stopped") stopped = true;
        else if (state === "paused") paused = true;
        if (state === "cancelled") cancelled = true;
      }, fail),
    );
  };

  const flagOf = (res: Extract<SendResult, { kind: "done" }>): SendFlag => {
    if (res.status === "updated") return 1;
    if (ignored.has(res.errorCode)) return 0;
    if (res.failure === "credentials") return 4;
    if (res.failure === "unanswered") return 3;
    return 2;
  };

  /**
   * Settles the rows that need no call and returns the rest, in file order.
   * `starts`: what `--lookup-start-time` found (a row's start, or the contact it
   * must go to), or the outcome of a row whose look-up settled it.
   */
  const prepare = (rows: readonly ChunkRow[], chained: boolean, looked: Awaited<ReturnType<typeof lookUpStarts>>): Ready[] => {
    const cutoff = retentionCutoff(manifest.maxContactAge ?? null, Date.now());
    const ready: Ready[] = [];
    const settled: RecordedOutcome[] = [...looked.settled];
    for (const row of rows) {
      const { line, check, original } = changes.decoded.get(row[0]) ?? decoder.decode(row);
      if (!check.ok) {
        const ref = { line, contactId: "", instanceId: "" };
        settled.push({ flag: 0, outcome: notSent(ref, "invalid", check.code, `line ${line} ${check.reason}`, { original }) });
        continue;
      }
      if (looked.settledLines.has(line)) continue;
      const r: ContactRow = looked.rows.get(line) ?? check.row;
      const ids = { contactId: r.contactId, instanceId: r.instanceId };
      const ref = { line, ...ids };
      if (startedBeforeApi(r.initiationTimestamp, manifest.minContactDate)) {
        const why = preApiMessage(line, r.initiationTimestamp as number, manifest.minContactDate, decoder.op);
        settled.push({ flag: 0, outcome: notSent(ref, "skipped_pre_api", "ContactBeforeApi", why) });
        continue;
      }
      if (expired(r.initiationTimestamp, cutoff) && manifest.maxContactAge) {
        const why = expiredMessage(line, r.initiationTimestamp as number, manifest.maxContactAge);
        settled.push({ flag: 0, outcome: notSent(ref, "skipped_expired", "ContactExpired", why) });
        continue;
      }
      if (changes.same.has(line)) {
        const why = `line ${line}: not sent: the same values as job ${manifest.job?.name} last sent to this contact`;
        settled.push({ flag: 0, outcome: notSent(ref, "unchanged", "Unchanged", why) });
        continue;
      }
      // `retry` only: names a later line of this contact already applied; sending them would put back older values.
      const omit = row[3];
      let fields = r.fields;
      let omitted: Array<readonly [string, number]> = [];
      if (omit) {
        fields = Object.assign(Object.create(null) as Record<string, unknown>, r.fields);
        omitted = omit.filter(([k]) => Object.hasOwn(fields, k));
        for (const [k] of omitted) delete fields[k];
      }
      if (omitted.length > 0 && Object.keys(fields).length === 0) {
        const later = [...new Set(omitted.map(([, l]) => l))].sort((a, b) => a - b).join(", ");
        const why = `line ${line}: not sent: everything it sets was applied afterwards by line ${later} of the same contact, and sending it now would put back older values`;
        settled.push({ flag: 0, outcome: notSent(ref, "superseded", "Superseded", why, { omit: omitted }) });
        continue;
      }
      ready.push({ line, ...ids, fields, original, omitted, chained, ifCurrent: r.ifCurrent, note: looked.notes.get(line) });
    }
    write(settled);
    return ready;
  };

  const outcomesOf = (call: PlannedCall<Ready>, res: Extract<SendResult, { kind: "done" }>, image?: Outcome["image"]): RecordedOutcome[] => {
    const flag = flagOf(res);
    const lines = call.rows.map((r) => r.line);
    return call.rows.map((row, i) => {
      const others = lines.filter((l) => l !== row.line);
      const together = others.length > 0 ? `applied in one call with line ${others.join(", ")} of the same contact, in file order` : "";
      const without = row.omitted.length > 0 ? `sent without ${row.omitted.map(([k, l]) => `${k} (applied by line ${l})`).join(", ")}` : "";
      const notes = [row.note ?? "", together, without].filter((n) => n !== "").join("; ");
      const carrier = i === call.rows.length - 1;
      const failed = res.status === "failed";
      const message = failed ? `line ${row.line}: ${res.message}${notes ? ` (${notes})` : ""}` : notes ? `line ${row.line}: ${notes}` : "";
      const outcome = sent({ line: row.line, contactId: row.contactId, instanceId: row.instanceId }, res, message, {
        carrier,
        original: failed ? row.original : undefined,
        retryable: failed && !res.permanent,
        keys: !failed && (row.chained || call.rows.length > 1) ? Object.keys(row.fields) : undefined,
        omit: failed && row.omitted.length > 0 ? row.omitted : undefined,
        image: carrier && !failed ? image : undefined,
      });
      return { outcome, flag };
    });
  };

  /** What a call of this chunk needs to go (the run's operation or a read before it); `line` names it in logs. */
  const sendContext =
    (line: number) =>
    (op: ApiCall): SendContext => ({
      client: ctx.client,
      // Quotas are per API: each call goes through its own API's governor.
      governor: ctx.governorFor(op.name as ApiName),
      op,
      policy: ctx.policy,
      signal: ctx.signal,
      ...(ctx.stopNew ? { stopNew: ctx.stopNew } : {}),
      ...(onAttempt ? { onAttempt } : {}),
      ...(ctx.log ? { log: ctx.log, line } : {}),
    });

  const runGroup = async (g: RowGroup): Promise<void> => {
    const todo = g.rows.filter(([line]) => !finished.has(line));
    if (todo.length === 0 || halted()) {
      handback ||= todo.length > 0 && !held();
      return;
    }
    const chained = g.after !== 0 || g.rows.length > 1;
    const looked = await lookUpStarts(todo, (row) => changes.decoded.get(row[0]) ?? decoder.decode(row), lookupContext);
    if (looked.handback) {
      handback ||= !held();
      return;
    }
    const calls = foldCalls(prepare(todo, chained, looked), decoder.op);
    if (manifest.dryRun) {
      // Nothing is sent: each row says what it would do, and the calls are counted.
      for (const call of calls) {
        const lines = call.rows.map((r) => r.line);
        write(
          call.rows.map((row) => {
            const others = lines.filter((l) => l !== row.line);
            const notes = [row.note ?? "", others.length > 0 ? `would be sent in one call with line ${others.join(", ")} of the same contact` : ""].filter(
              (n) => n !== "",
            );
            return {
              flag: 0,
              outcome: wouldUpdate(
                { line: row.line, contactId: row.contactId, instanceId: row.instanceId },
                notes.length > 0 ? `line ${row.line}: ${notes.join("; ")}` : "",
              ),
            };
          }),
        );
      }
      planned.calls += calls.length;
      return;
    }
    // One call at a time: a contact's next call goes out only once the previous one is answered.
    for (const call of calls) {
      if (halted()) {
        handback ||= !held();
        return;
      }
      const carrier = call.rows[call.rows.length - 1] as Ready;
      const target = { instanceId: carrier.instanceId, contactId: carrier.contactId };
      const sendCtx = sendContext(carrier.line);
      // Looked at again when the call's turn comes: a stop (breaker, pause, shutdown) may have come while it queued.
      const outcome = await ctx.limit(async () => {
        if (halted()) return undefined;
        // A canary's allowance is taken in the call's turn, right before it goes: once it is used up the run
        // pauses and this call waits with the rest; a call handed back (shutdown) gives its places back.
        if (manifest.canary) {
          const go = await ctx.store.takeCanary(data.runId, call.rows.length, canaryPauseReason(data.runId, manifest.canary));
          if (go !== "send") {
            if (go === "cancelled") cancelled = true;
            else if (go === "stopped") stopped = true;
            else paused = true;
            return undefined;
          }
        }
        const res = await readAndSend();
        if (manifest.canary && res.kind === "handback") await ctx.store.refundCanary(data.runId, call.rows.length);
        return res;
      });
      async function readAndSend(): Promise<
        | { readonly kind: "handback" }
        | { readonly kind: "settled"; readonly items: RecordedOutcome[] }
        | (Extract<SendResult, { kind: "done" }> & { readonly image: Outcome["image"] })
      > {
        let image: Outcome["image"];
        let read: { attempts: number; throttles: number } | undefined;
        if (manifest.captureBefore || call.rows.some((r) => r.ifCurrent !== undefined)) {
          const before = await readBefore(sendCtx, target, call);
          if (before.kind === "handback") return before;
          if (before.kind === "settled") return { kind: "settled" as const, items: before.outcomes(flagOf) };
          image = before.image;
          read = before.read;
        }
        const res = await sendRow(sendCtx(decoder.op), target, call.fields);
        // The read is part of the row's cost: its calls count in the row's attempts.
        if (read && res.kind === "done") return { ...res, attempts: res.attempts + read.attempts, throttles: res.throttles + read.throttles, image };
        return res.kind === "done" ? { ...res, image } : { kind: "handback" };
      }
      if (!outcome || outcome.kind === "handback") {
        handback ||= !held();
        return;
      }
      if (outcome.kind === "settled") {
        write(outcome.items);
        continue;
      }
      const res = outcome;
      // Remembered only once applied (a row that failed is sent again next time), and before its outcome is visible.
      if (res.status === "updated") await changes.remember(call.rows);
      write(outcomesOf(call, res, res.image));
    }
  };

  const planned = { calls: 0 };
  const lookupContext = {
    enabled: manifest.lookupStartTime === true && !manifest.dryRun,
    followInitial: manifest.followInitial === true,
    runId: data.runId,
    op: decoder.op.name,
    ...(ctx.starts ? { cache: ctx.starts } : {}),
    send: sendContext,
    limit: ctx.limit,
    flagOf,
    halted,
  };
  const tasks: Array<Promise<void>> = [];
  let running = 0;
  const start = (g: RowGroup) => {
    running++;
    tasks.push(
      runGroup(g)
        .catch(fail)
        .finally(() => running--),
    );
  };
  let waiting: RowGroup[] = [];
  for (const g of groups) {
    if (g.after === 0 || finished.has(g.after)) start(g);
    else waiting.push(g);
  }
  if (waiting.length > 0) {
    // Predecessors in other chunks are usually being sent right now by another
    // worker: look again while this chunk's other rows go on, and a little after.
    let idleSince: number | undefined;
    const pollMs = ctx.waitPollMs ?? 100;
    const holdMs = ctx.waitHoldMs ?? 1500;
    while (waiting.length > 0 && !halted()) {
      try {
        await sleep(pollMs, ctx.stopNew ?? ctx.signal);
      } catch {
        break;
      }
      let done: Set<number>;
      try {
        done = await ctx.store.finished(
          data.runId,
          waiting.map((g) => g.after),
        );
      } catch (err) {
        fail(err);
        break;
      }
      const still: RowGroup[] = [];
      for (const g of waiting) {
        if (done.has(g.after)) start(g);
        else still.push(g);
      }
      waiting = still;
      if (running > 0) idleSince = undefined;
      else if ((idleSince ??= Date.now()) + holdMs <= Date.now()) break;
    }
  }
  await Promise.all(tasks);
  // The chunk completes only once every outcome is durable.
  await Promise.all(writes);
  if (planned.calls > 0) await ctx.store.addPlanned(data.runId, planned.calls);
  // Every call of the chunk has ended before the error goes up: the chunk may be
  // handed back, and no call of it must still be running when another worker takes it.
  if (failure) throw failure.error;
  if (gone) return "unknown-run";
  if (cancelled) {
    // Calls in flight finished; what was not sent is settled here, not queued again.
    await cancelRows(ctx.store, decoder, data, cancelReason((await ctx.store.state(data.runId)).stopReason));
    return "done";
  }
  if (stopped || paused) {
    await ctx.store.park(data);
    return "parked";
  }
  if (handback || (waiting.length > 0 && halted())) return "handback";
  return waiting.length > 0 ? "waiting" : "done";
}

interface Changes {
  /** Lines whose values equal what the job last sent to their contact (`onlyChanged` only). */
  readonly same: ReadonlySet<number>;
  /** Rows decoded for the look-up, so they are not decoded twice. */
  readonly decoded: ReadonlyMap<number, DecodedRow>;
  /**
   * Remembers the rows of an applied call, in file order (the contact ends with
   * the last one's). Awaited before their outcomes are written: a later row of
   * the contact (which waits for those outcomes) can then never be overwritten by it.
   */
  remember(rows: ReadonlyArray<{ readonly line: number; readonly omitted: readonly unknown[] }>): Promise<void>;
}

const NO_CHANGES: Changes = { same: new Set(), decoded: new Map(), remember: async () => undefined };

/**
 * A job's memory of what it sent to each contact. Every run of a job keeps it
 * up to date (with or without `onlyChanged`: a run that sends everything still
 * changes what contacts hold); `onlyChanged` runs also compare, with one look-up
 * for the whole chunk. Only a contact's first row of the run is compared (no
 * `prev`): its later rows are always sent, so the contact ends in file order.
 */
async function lookUpChanges(data: ChunkJobData, finished: ReadonlySet<number>, decoder: ChunkDecoder, manifest: RunManifest, ctx: ChunkContext): Promise<Changes> {
  const job = manifest.job;
  if (!job || !ctx.changesFor) return NO_CHANGES;
  const memory = ctx.changesFor(job.name);
  const decoded = new Map<number, DecodedRow>();
  const entries = new Map<number, { contact: Buffer; fp: Buffer }>();
  for (const row of data.rows) {
    if (finished.has(row[0])) continue;
    const d = decoder.decode(row);
    decoded.set(row[0], d);
    if (!d.check.ok) continue;
    const r = d.check.row;
    entries.set(row[0], { contact: contactKey(r.instanceId, r.contactId), fp: fingerprint(r.instanceId, r.contactId, decoder.op.name, r.fields) });
  }
  let same = new Set<number>();
  if (job.onlyChanged) {
    const firsts = data.rows.filter((row) => (row[2] ?? 0) === 0 && entries.has(row[0])).map((row) => row[0]);
    const answers = firsts.length > 0 ? await memory.unchanged(firsts.map((l) => entries.get(l) as { contact: Buffer; fp: Buffer })) : [];
    same = new Set(firsts.filter((_, i) => answers[i] === true));
  }
  return {
    same,
    decoded,
    remember: async (rows) => {
      // A row sent without some of its fields (retry's omit) is not remembered: its full values were never applied together.
      const applied = rows.filter((r) => r.omitted.length === 0).map((r) => entries.get(r.line));
      const known = applied.filter((e): e is { contact: Buffer; fp: Buffer } => e !== undefined);
      if (known.length > 0) await memory.remember(known);
    },
  };
}
