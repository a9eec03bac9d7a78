import { type ContactStart, describeContactStart, getContactAttributes } from "../connect/readContact.js";
import type { ContactRow } from "../operations/ContactRow.js";
import type { ContactTarget, Fields, OperationName } from "../operations/Operation.js";
import { LIMITS } from "../operations/updateContactAttributes/limits.js";
import type { OriginalRecord } from "../domain/originalOf.js";
import type { RecordedOutcome, SendFlag } from "../domain/breaker.js";
import type { Outcome } from "../domain/Outcome.js";
import { sent } from "../domain/outcomes.js";
import { sendCall, type SendContext, type SendResult } from "../connect/sendCall.js";

/*
 * What a call may need to know before it goes: the contact's start time
 * (`--lookup-start-time`, DescribeContact) and its current attributes
 * (`--capture-before` and a row's `ifCurrent`, GetContactAttributes). Each read
 * has its own API quota, so its own governor, and retries like a write.
 */

type Done = Extract<SendResult, { kind: "done" }>;
/** The context a call goes with: its API's governor, the policy, the stop signals. */
type MakeSendContext = (op: SendContext["op"]) => SendContext;

/** The sentence a canary's pause leaves in the run: how to look, how to go on, how to stop. */
export function canaryPauseReason(runId: string, n: number): string {
  return (
    `canary: the first ${n} row${n === 1 ? "" : "s"} that needed a call ${n === 1 ? "was" : "were"} sent and run ${runId} is paused; ` +
    `look at them with "connect-backfill report ${runId}" (then its report.html), go on with "connect-backfill resume ${runId}" (it says what to run next), ` +
    `or stop with "connect-backfill cancel ${runId}"`
  );
}

/** DescribeContact answers, per run and contact, bounded: a backfill names millions of contacts. */
export class StartCache {
  private readonly map = new Map<string, ContactStart>();
  constructor(private readonly max = 100_000) {}
  get(runId: string, instanceId: string, contactId: string): ContactStart | undefined {
    return this.map.get(`${runId}\u0000${instanceId}\u0000${contactId}`);
  }
  set(runId: string, instanceId: string, contactId: string, start: ContactStart): void {
    if (this.map.size >= this.max) {
      // Oldest first out: rows of a contact are near each other in a file.
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
    this.map.set(`${runId}\u0000${instanceId}\u0000${contactId}`, start);
  }
}

export interface LookupContext {
  readonly enabled: boolean;
  readonly followInitial: boolean;
  readonly runId: string;
  readonly op: OperationName;
  readonly cache?: StartCache;
  /** The run's calls under way, a few at a time (worker/CallSlots.ts inRun). */
  readonly limit: <T>(fn: () => Promise<T>) => Promise<T>;
  readonly send: (line: number) => MakeSendContext;
  readonly flagOf: (res: Done) => SendFlag;
  readonly halted: () => boolean;
}

export interface LookedUp {
  /** Rows whose start (or contact) the look-up changed. */
  readonly rows: Map<number, ContactRow>;
  /** Rows the look-up settled (it failed, or the row names a later leg). */
  readonly settled: RecordedOutcome[];
  readonly settledLines: Set<number>;
  /** What a row's outcome says of its look-up (it was sent to the initial contact). */
  readonly notes: Map<number, string>;
  /** A stop came during a look-up: the rows go back without an outcome. */
  readonly handback: boolean;
}

/** DescribeContact's 404 covers two cases a person tells apart only by the contact's age. */
function notFound(res: Done): string {
  return res.httpStatus === 404 ? " (DescribeContact answers 404 for an unknown contact and for one past Connect's 24-month retention)" : "";
}

const NOTHING: LookedUp = { rows: new Map(), settled: [], settledLines: new Set(), notes: new Map(), handback: false };

/**
 * `--lookup-start-time`: rows without initiationTimestamp get their contact's
 * start from DescribeContact, so the pre-API and retention rules apply before
 * anything is written. A transfer leg started at the transfer: the chain's
 * initial contact gives the start. A row naming a later leg fails (the update
 * takes the initial contact's id) unless `--follow-initial` sends it there.
 */
export async function lookUpStarts(rows: ReadonlyArray<ContactRow & { readonly original: OriginalRecord }>, lc: LookupContext): Promise<LookedUp> {
  if (!lc.enabled) return NOTHING;
  const out = {
    rows: new Map<number, ContactRow>(),
    settled: [] as RecordedOutcome[],
    settledLines: new Set<number>(),
    notes: new Map<number, string>(),
    handback: false,
  };
  const describe = async (line: number, to: ContactTarget): Promise<{ start: ContactStart } | { failed: Done } | undefined> => {
    const cached = lc.cache?.get(lc.runId, to.instanceId, to.contactId);
    if (cached) return { start: cached };
    const res = await lc.limit(async () => (lc.halted() ? undefined : sendCall(lc.send(line)(describeContactStart), to, {})));
    if (!res || res.kind === "handback") return undefined;
    if (res.status === "failed") return { failed: res };
    const start = res.value as ContactStart;
    lc.cache?.set(lc.runId, to.instanceId, to.contactId, start);
    return { start };
  };
  const settle = (row: ContactRow & { readonly original: OriginalRecord }, res: Done, message: string, retryable: boolean, flag: SendFlag) => {
    out.settledLines.add(row.line);
    out.settled.push({
      flag,
      outcome: sent({ line: row.line, contactId: row.contactId, instanceId: row.instanceId }, res, message, { carrier: true, original: row.original, retryable }),
    });
  };
  for (const row of rows) {
    if (row.initiationTimestamp !== undefined) continue;
    const first = await describe(row.line, row);
    if (!first) return { ...NOTHING, handback: true };
    if ("failed" in first) {
      settle(
        row,
        first.failed,
        `line ${row.line}: looking up the contact's start time failed: ${first.failed.message}${notFound(first.failed)}; nothing was written`,
        !first.failed.permanent,
        lc.flagOf(first.failed),
      );
      continue;
    }
    if (first.start.initialContactId === row.contactId) {
      out.rows.set(row.line, { ...row, initiationTimestamp: first.start.initiationTimestamp });
      continue;
    }
    const initial = first.start.initialContactId;
    if (!lc.followInitial) {
      const res: Done = {
        kind: "done",
        status: "failed",
        errorCode: "NotInitialContact",
        httpStatus: undefined,
        message: "",
        attempts: 0,
        throttles: 0,
        permanent: true,
      };
      const why =
        `line ${row.line}: contact ${row.contactId} is a later leg (a transfer) of contact ${initial}, and ${lc.op} takes the chain's initial contact id: ` +
        `put ${initial} in the file, or run with --follow-initial to send it there; nothing was written`;
      settle(row, res, why, false, 0);
      continue;
    }
    const second = await describe(row.line, { instanceId: row.instanceId, contactId: initial });
    if (!second) return { ...NOTHING, handback: true };
    if ("failed" in second) {
      settle(
        row,
        second.failed,
        `line ${row.line}: looking up initial contact ${initial} failed: ${second.failed.message}; nothing was written`,
        !second.failed.permanent,
        lc.flagOf(second.failed),
      );
      continue;
    }
    out.rows.set(row.line, { ...row, contactId: initial, initiationTimestamp: second.start.initiationTimestamp });
    out.notes.set(row.line, `sent to initial contact ${initial} (the file names its later leg ${row.contactId}; --follow-initial)`);
  }
  return out;
}

/** What `readBefore` needs of the rows of one call. */
export interface CallRows {
  readonly rows: ReadonlyArray<{
    readonly line: number;
    readonly contactId: string;
    readonly instanceId: string;
    readonly source: { readonly original: OriginalRecord };
    readonly ifCurrent: ContactRow["ifCurrent"];
  }>;
  readonly fields: Fields;
}

export type BeforeRead =
  | { readonly kind: "handback" }
  /** The call must not go; its rows' outcomes, given the breaker's flag for a failed read. */
  | { readonly kind: "settled"; readonly outcomes: (flagOf: (res: Done) => SendFlag) => RecordedOutcome[] }
  | { readonly kind: "read"; readonly image: NonNullable<Outcome["image"]>; readonly read: { readonly attempts: number; readonly throttles: number } };

function utf8(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

/**
 * Reads the contact's attributes before a call (GetContactAttributes): the
 * before-image of the names the call writes, kept for `rollback`. With it in
 * hand, two checks the service would only make after the write, or never:
 * the contact's 32,768-byte total of existing and new attributes, and a row's
 * `ifCurrent` (rollback: the contact still holds what the run wrote).
 */
export async function readBefore(make: MakeSendContext, to: ContactTarget, call: CallRows): Promise<BeforeRead> {
  const res = await sendCall(make(getContactAttributes), to, {});
  if (res.kind === "handback") return { kind: "handback" };
  const each = (status: Done, message: (line: number) => string, retryable: boolean, flagged: boolean) => (flagOf: (r: Done) => SendFlag) =>
    call.rows.map((row, i) => ({
      flag: flagged ? flagOf(status) : (0 as SendFlag),
      outcome: sent({ line: row.line, contactId: row.contactId, instanceId: row.instanceId }, status, message(row.line), {
        carrier: i === call.rows.length - 1,
        original: row.source.original,
        retryable,
      }),
    }));
  if (res.status === "failed") {
    return {
      kind: "settled",
      outcomes: each(
        res,
        (line) => `line ${line}: reading the contact's attributes before the update failed: ${res.message}; nothing was written`,
        !res.permanent,
        true,
      ),
    };
  }
  const current = res.value as Record<string, string>;
  const refused = (errorCode: string, why: string): BeforeRead => ({
    kind: "settled",
    outcomes: each({ ...res, status: "failed", errorCode, httpStatus: undefined, permanent: true }, (line) => `line ${line}: ${why}`, false, false),
  });
  const changed: string[] = [];
  for (const row of call.rows) {
    for (const [k, v] of Object.entries(row.ifCurrent ?? {})) {
      const now = current[k] ?? null;
      // Already holding what the row sets is no conflict: the end state is the one wanted.
      if (now !== v && now !== call.fields[k] && !changed.includes(k)) changed.push(k);
    }
  }
  if (changed.length > 0) {
    const names = changed.slice(0, 5).join(", ") + (changed.length > 5 ? ` and ${changed.length - 5} more` : "");
    return refused(
      "ChangedSinceRun",
      `not written: the contact's ${names} no longer hold${changed.length === 1 ? "s" : ""} the value${changed.length === 1 ? "" : "s"} the row expects in "ifCurrent" (changed since); for a rollback, "rollback --force" overwrites`,
    );
  }
  let bytes = 0;
  for (const [k, v] of Object.entries(current)) if (!Object.hasOwn(call.fields, k)) bytes += utf8(k) + utf8(v);
  const existing = Object.entries(current).reduce((n, [k, v]) => n + utf8(k) + utf8(v), 0);
  for (const [k, v] of Object.entries(call.fields)) bytes += utf8(k) + utf8(String(v));
  if (bytes > LIMITS.attributesTotalBytes) {
    return refused(
      "AttributesTooLarge",
      `not sent: the contact holds ${existing} bytes of attributes and this update would bring it to ${bytes} (at most ${LIMITS.attributesTotalBytes} UTF-8 bytes per contact)`,
    );
  }
  // Null prototypes: "__proto__" is an attribute name like any other.
  const before = Object.create(null) as Record<string, string | null>;
  const wrote = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(call.fields)) {
    before[k] = Object.hasOwn(current, k) ? (current[k] as string) : null;
    wrote[k] = String(v);
  }
  return { kind: "read", image: { before, wrote }, read: { attempts: res.attempts, throttles: res.throttles } };
}
