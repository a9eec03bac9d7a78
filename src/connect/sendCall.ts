import type { ConnectClient } from "@aws-sdk/client-connect";
import { sleep } from "../lib/sleep.js";
import type { ContactTarget, Fields, Operation } from "../operations/Operation.js";
import { backoffDelay, type BackoffOptions } from "../rate/backoff.js";
import type { RateGovernor } from "../rate/RateGovernor.js";
import { classifyError } from "./classifyError.js";
import { throttleWatchFor } from "./throttleWatch.js";

export const DEFAULT_MAX_RETRY_AFTER_MS = 30_000;

const STOPPED = Symbol("stopped");

/** One request's end, as the loop takes it up once its place is given back. */
type Attempt =
  | { readonly kind: "handback" }
  | { readonly kind: "answered"; readonly value: unknown; readonly started: number }
  | { readonly kind: "error"; readonly err: unknown; readonly started: number };

export interface SendPolicy {
  /** Tries for transient errors (500/502/503/504, resets, timeouts). */
  readonly maxAttempts: number;
  /** Tries in all, throttled ones included. */
  readonly maxTries: number;
  /**
   * The longest Retry-After obeyed. A throttle's pause is shared by every worker
   * of every run on the prefix: one `Retry-After: 3600` must not freeze them all for an hour.
   */
  readonly maxRetryAfterMs?: number;
  /** A whole call's deadline, answer body included (--request-timeout). */
  readonly callDeadlineMs?: number;
  readonly backoff?: BackoffOptions;
}

export type SendResult =
  | {
      readonly kind: "done";
      readonly status: "updated" | "failed";
      readonly errorCode: string;
      readonly httpStatus: number | undefined;
      readonly message: string;
      readonly attempts: number;
      readonly throttles: number;
      /** Failed for a reason that no retry fixes. */
      readonly permanent: boolean;
      /** Why it failed, for the circuit breaker and `retry` (absent when updated). */
      readonly failure?: FailureKind;
      /** What the call answered (a read's result), when it was answered. */
      readonly value?: unknown;
    }
  /** Stopped before an answer (shutdown): the row has no outcome and goes back to the queue. */
  | { readonly kind: "handback"; readonly attempts: number; readonly throttles: number };

/** One call as metrics count it: `ok`, `throttled`, `transient` (retried), `permanent` (the row fails). */
export interface CallResult {
  readonly operation: string;
  readonly result: "ok" | "throttled" | "transient" | "permanent";
  readonly durationMs: number;
}

/**
 * `permanent`: the service refused the row; `credentials`: it refused who we are;
 * `unanswered`: transient errors until the tries ran out (refused, DNS, TLS,
 * timeouts, 5xx); `throttled`: still throttled at --max-tries.
 */
export type FailureKind = "permanent" | "credentials" | "unanswered" | "throttled";

/**
 * The call a send makes: the run's operation, or a read before it (GetContactAttributes,
 * DescribeContact). `name` names its API (metrics, logs); what `send` resolves to is the result's `value`.
 */
export interface ApiCall {
  readonly name: string;
  readonly send: Operation["send"];
  /** A read: a call that timed out changed nothing (errors do not say an update may have been applied). */
  readonly read?: boolean;
}

/**
 * A call's places in its process's budget: `turnInLane` runs the taking of a place and a turn when the lane's
 * earlier calls have had theirs (a few of a lane's calls wait for their turns at once); `place` waits for a place and
 * answers its release.
 */
export interface CallPlaces {
  readonly turnInLane: <T>(fn: () => Promise<T>) => Promise<T>;
  readonly place: () => Promise<() => void>;
}

/** What the loop asks of a governor (a RateGovernor; tests pass a fake). */
export type SendGovernor = Pick<RateGovernor, "acquire" | "succeeded" | "throttled">;

export interface SendContext {
  readonly client: ConnectClient;
  /** The call made: the run's operation, or a read. */
  readonly op: ApiCall;
  /** The API's shared governor: a turn before every attempt, told of every answer. */
  readonly governor: SendGovernor;
  /** The process's places (worker/CallSlots.ts), held from right before the turn to the answer. Absent: unbounded here. */
  readonly places?: CallPlaces;
  /** The run's own pace (a run made with --rate): a turn from it too, after the account's, whatever the worker's own rate. */
  readonly pace?: Pick<RateGovernor, "acquire"> | undefined;
  readonly policy: SendPolicy;
  readonly signal: AbortSignal;
  /**
   * A graceful stop: no new attempt starts (a retry is a new call), waits for a
   * turn or a backoff end at once; the call in flight is left to finish.
   */
  readonly stopNew?: AbortSignal;
  /** Debug logs of throttles and retries (ids and codes only, never values), naming `line`. */
  readonly log?: { debug: (obj: object, msg: string) => void; warn?: (obj: object, msg: string) => void };
  readonly line?: number;
  /** Called after every call, answered or not: for the timeline, live figures and metrics. */
  readonly onAttempt?: (call: CallResult) => void;
  /**
   * Asked after the governor's turn, right before each call goes: false hands the row back (a run paused meanwhile);
   * otherwise what to call once the call is answered (or failed).
   */
  readonly mayGo?: () => Promise<false | (() => void)>;
  /**
   * Counts the call as sent before it goes (the service applies a call whether or not its caller lives
   * on): awaited, so a call never reaches the service uncounted. Rejects when Redis cannot count it: the
   * call is not made and the error goes up (the chunk hands its rows back), as the governor's do. Answers
   * false when the call must not go (its run was cancelled): the row is handed back.
   */
  readonly onSend?: () => Promise<boolean | undefined>;
  /**
   * Throttled without progress for too long (throttleWatch): stops the run for `reason` (rows not yet sent stay
   * queued for `resume`); the row is handed back. Without it the row fails as still throttled.
   */
  readonly onStall?: (reason: string) => Promise<void>;
}

/**
 * Sends one call (the run's operation, or a read), retrying by the error table of
 * classifyError. Every attempt, first or retry, takes its turn from the shared governor first.
 */
export async function sendCall(ctx: SendContext, to: ContactTarget, fields: Fields): Promise<SendResult> {
  let attempts = 0;
  let throttles = 0;
  let transient = 0;
  const fail = (errorCode: string, httpStatus: number | undefined, message: string, failure: FailureKind): SendResult => ({
    kind: "done",
    status: "failed",
    errorCode,
    httpStatus,
    // The caller names the line(s): one call may carry several rows of a contact.
    message,
    attempts,
    throttles,
    permanent: failure === "permanent",
    failure,
  });
  const waitSignal = ctx.stopNew ?? ctx.signal;
  const handback = (): SendResult => ({ kind: "handback", attempts, throttles });
  /** The API's turn, then the run's own. */
  const takeTurn = async (): Promise<string | undefined | typeof STOPPED> => {
    try {
      const turn = await ctx.governor.acquire(waitSignal);
      // The run's own turn last, right before the call goes: taken first, turns banked while the account's governor
      // held the call (its slow start) all went at once after (10 calls 100 ms apart for a run of 5/s).
      if (ctx.pace) await ctx.pace.acquire(waitSignal);
      return turn;
    } catch (err) {
      // A stop; any other error (Redis) goes up: the chunk hands its rows back and the worker says why.
      if ((err as Error).name === "AbortError") return STOPPED;
      throw err;
    }
  };
  /** One request, in its place: asked to go (a canary), counted, sent. */
  const attempt = async (): Promise<Attempt> => {
    // A stop that came as its turn did: it does not go.
    if (waitSignal.aborted || ctx.signal.aborted) return { kind: "handback" };
    const go = ctx.mayGo ? await ctx.mayGo() : undefined;
    if (go === false) return { kind: "handback" };
    if (ctx.onSend) {
      let mayGo: boolean | undefined;
      try {
        mayGo = await ctx.onSend();
      } catch (err) {
        go?.();
        throw err;
      }
      if (mayGo === false) {
        go?.();
        return { kind: "handback" };
      }
    }
    attempts++;
    const started = performance.now();
    try {
      return { kind: "answered", value: await ctx.op.send(ctx.client, to, fields, ctx.signal, ctx.policy.callDeadlineMs).finally(() => go?.()), started };
    } catch (err) {
      return { kind: "error", err, started };
    }
  };
  const places = ctx.places;
  /** A place, then the turn in it: the request goes as its turn comes. A stop or an error gives the place back. */
  const placeAndTurn = async (): Promise<{ turn: string | undefined | typeof STOPPED; release: () => void }> => {
    const release = places ? await places.place() : () => undefined;
    try {
      return { turn: await takeTurn(), release };
    } catch (err) {
      release();
      throw err;
    }
  };
  for (;;) {
    if (waitSignal.aborted || ctx.signal.aborted) return handback();
    // The turn's epoch: a throttle of a call sent at the rate the last decrease set is new evidence.
    const { turn, release } = await (places ? places.turnInLane(placeAndTurn) : placeAndTurn());
    if (turn === STOPPED) {
      release();
      return handback();
    }
    // The place is given back with the answer: a backoff after it holds none.
    const tried = await attempt().finally(release);
    if (tried.kind === "handback") return handback();
    const started = tried.started;
    const told = (result: CallResult["result"]) => ctx.onAttempt?.({ operation: ctx.op.name, result, durationMs: performance.now() - started });
    if (tried.kind === "answered") {
      ctx.governor.succeeded();
      throttleWatchFor(ctx.governor).succeeded();
      told("ok");
      return { kind: "done", status: "updated", errorCode: "", httpStatus: 200, message: "", attempts, throttles, permanent: false, value: tried.value };
    }
    const c = classifyError(tried.err, { write: ctx.op.read !== true });
    if (c.kind !== "aborted") told(c.kind);
    switch (c.kind) {
      case "aborted":
        return handback();
      case "permanent":
        return fail(c.code, c.httpStatus, c.message, c.credentials ? "credentials" : "permanent");
      case "throttled": {
        throttles++;
        const capMs = ctx.policy.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
        const verdict = throttleWatchFor(ctx.governor).throttled(c.retryAfterMs, capMs);
        if (verdict.kind === "stalled") {
          await ctx.governor.throttled(0, turn);
          if (!ctx.onStall) return fail("Throttled", c.httpStatus, `${verdict.reason}; retry it later with "connect-backfill retry"`, "throttled");
          await ctx.onStall(verdict.reason);
          return handback();
        }
        if (verdict.said) ctx.log?.warn?.({ retryAfterMs: c.retryAfterMs, capMs }, verdict.said);
        ctx.log?.debug({ line: ctx.line, attempt: attempts, retryAfterMs: verdict.retryAfterMs }, "throttled; the row waits for the governor");
        await ctx.governor.throttled(verdict.retryAfterMs, turn);
        if (attempts >= ctx.policy.maxTries) {
          return fail(
            "Throttled",
            c.httpStatus,
            `still throttled after ${attempts} tries (--max-tries ${ctx.policy.maxTries}); retry it later with "connect-backfill retry"`,
            "throttled",
          );
        }
        break;
      }
      case "transient": {
        transient++;
        if (transient >= ctx.policy.maxAttempts || attempts >= ctx.policy.maxTries) {
          return fail(c.code, c.httpStatus, `${c.message} (gave up after ${transient} transient errors)`, "unanswered");
        }
        // A 503's Retry-After is obeyed up to the cap, like a throttle's.
        const retryAfterMs = Math.min(c.retryAfterMs ?? 0, ctx.policy.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS);
        const delayMs = Math.max(retryAfterMs, backoffDelay(transient, ctx.policy.backoff));
        ctx.log?.debug({ line: ctx.line, attempt: attempts, errorCode: c.code, httpStatus: c.httpStatus, delayMs }, "transient error; retrying");
        try {
          await sleep(delayMs, waitSignal);
        } catch {
          return handback();
        }
        break;
      }
    }
  }
}
