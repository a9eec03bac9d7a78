import type { ConnectClient } from "@aws-sdk/client-connect";
import { describe, expect, it, vi } from "vitest";
import { getContactAttributes } from "../../src/connect/readContact.js";
import { type ApiCall, type CallResult, type SendGovernor, type SendPolicy, type SendResult, sendCall } from "../../src/connect/sendCall.js";
import { type CallStop, callStopOf } from "../../src/lib/sendCommand.js";
import { MIN_STALL_MS } from "../../src/connect/throttleWatch.js";
import { abortError } from "../../src/lib/abort.js";
import { operationNamed } from "../../src/operations/registry.js";

/*
 * The one retry loop, against a scripted client (each `send` answers the next line of
 * its script) and a governor that grants every turn at once and notes what it is told.
 * The operation is the real one: it builds the real command and applies the deadline.
 */

/** An error shaped like the AWS SDK v3's service exceptions. */
function sdkError(name: string, status: number, headers: Record<string, string> = {}) {
  return Object.assign(new Error(`${name} happened`), {
    name,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status },
    $response: { statusCode: status, headers },
  });
}
const throttle = (retryAfter?: string) => sdkError("ThrottlingException", 429, retryAfter === undefined ? {} : { "retry-after": retryAfter });
const unavailable = (retryAfter?: string) => sdkError("ServiceUnavailable", 503, retryAfter === undefined ? {} : { "retry-after": retryAfter });
const invalid = () => sdkError("InvalidRequestException", 400);
const denied = () => sdkError("AccessDeniedException", 403);
const reset = () => Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
/** No answer until the call is stopped (taken as the SDK's handler takes it, by `onabort`); then the SDK's AbortError. */
const hang = (stop: CallStop) =>
  new Promise<never>((_, reject) => {
    stop.onabort = () => reject(Object.assign(new Error("The operation was aborted"), { name: "AbortError" }));
  });

type Answer = Error | { readonly answer: unknown } | ((stop: CallStop) => Promise<unknown>);
const ok: Answer = { answer: {} };

function scriptedClient(script: Answer[]) {
  const sent: string[] = [];
  // What lib/sendCommand needs of a client beside `send`: a stack and a request handler to hook into.
  const client = {
    config: { requestHandler: { handle: async () => undefined } },
    middlewareStack: { add: () => undefined },
    send: async (command: { input: object }): Promise<unknown> => {
      sent.push(command.constructor.name);
      const next = script.shift();
      if (next === undefined) throw new Error("the script ran out: a call too many");
      if (next instanceof Error) throw next;
      const stop = callStopOf(command.input);
      if (!stop) throw new Error("the call was sent without its stop");
      if (typeof next === "function") return next(stop);
      return next.answer;
    },
  };
  return { client: client as unknown as ConnectClient, sent };
}

function fakeGovernor(acquire?: (signal?: AbortSignal) => Promise<void>) {
  const told = { turns: 0, succeeded: 0, throttled: [] as number[], sentIn: [] as Array<string | undefined> };
  const governor: SendGovernor = {
    acquire: async (signal) => {
      // Without `acquire`, a turn is granted even after a stop: the loop itself must not start a try.
      if (acquire) await acquire(signal);
      told.turns++;
      return `${told.turns}:0`;
    },
    succeeded: () => {
      told.succeeded++;
    },
    throttled: async (retryAfterMs = 0, sentIn?: string) => {
      told.throttled.push(retryAfterMs);
      told.sentIn.push(sentIn);
      return { decreased: true, rate: 1 };
    },
  };
  return { governor, told };
}

/** Backoff of 0 ms: the loop's decisions, not its waits. */
const POLICY: SendPolicy = { maxAttempts: 3, maxTries: 5, backoff: { baseMs: 1, capMs: 1, random: () => 0 } };
const TO = { instanceId: "11111111-1111-4111-8111-111111111111", contactId: "22222222-2222-4222-8222-222222222222" };
const UPDATE = operationNamed("UpdateContactAttributes");

interface Setup {
  readonly script: Answer[];
  readonly policy?: Partial<SendPolicy>;
  readonly op?: ApiCall;
  readonly signal?: AbortSignal;
  readonly stopNew?: AbortSignal;
  readonly acquire?: (signal?: AbortSignal) => Promise<void>;
  readonly onSend?: () => Promise<boolean | undefined>;
}

async function send(s: Setup) {
  const { client, sent } = scriptedClient(s.script);
  const { governor, told } = fakeGovernor(s.acquire);
  const calls: CallResult[] = [];
  const warn = vi.fn();
  const res = await sendCall(
    {
      client,
      op: s.op ?? UPDATE,
      governor,
      policy: { ...POLICY, ...s.policy },
      signal: s.signal ?? new AbortController().signal,
      ...(s.stopNew ? { stopNew: s.stopNew } : {}),
      log: { debug: () => undefined, warn },
      line: 2,
      onAttempt: (c) => calls.push(c),
      ...(s.onSend ? { onSend: s.onSend } : {}),
    },
    TO,
    { topic: "billing" },
  );
  return { res, sent, told, warn, results: calls.map((c) => c.result), calls };
}

describe("sendCall: retries by the error table", () => {
  const cases: Array<{
    name: string;
    script: Answer[];
    policy?: Partial<SendPolicy>;
    expected: Partial<Extract<SendResult, { kind: "done" }>>;
    results: CallResult["result"][];
    throttled: number[];
    message?: RegExp;
  }> = [
    {
      name: "429 → 503 → ok",
      script: [throttle(), unavailable(), ok],
      expected: { status: "updated", errorCode: "", httpStatus: 200, attempts: 3, throttles: 1, permanent: false },
      results: ["throttled", "transient", "ok"],
      throttled: [0],
    },
    {
      name: "the governor is told the Retry-After of a throttle",
      script: [throttle("2"), ok],
      expected: { status: "updated", attempts: 2, throttles: 1 },
      results: ["throttled", "ok"],
      throttled: [2000],
    },
    {
      name: "a permanent error fails at once",
      script: [invalid()],
      expected: { status: "failed", errorCode: "InvalidRequestException", httpStatus: 400, attempts: 1, throttles: 0, permanent: true, failure: "permanent" },
      results: ["permanent"],
      throttled: [],
    },
    {
      name: "refused credentials fail at once, for the breaker",
      script: [denied()],
      expected: { status: "failed", errorCode: "AccessDeniedException", httpStatus: 403, attempts: 1, permanent: false, failure: "credentials" },
      results: ["permanent"],
      throttled: [],
    },
    {
      name: "a permanent error after retries keeps the counts",
      script: [throttle(), reset(), invalid()],
      expected: { status: "failed", errorCode: "InvalidRequestException", attempts: 3, throttles: 1, failure: "permanent" },
      results: ["throttled", "transient", "permanent"],
      throttled: [0],
    },
    {
      name: "still throttled at --max-tries",
      script: [throttle(), throttle(), throttle()],
      policy: { maxTries: 3 },
      expected: { status: "failed", errorCode: "Throttled", httpStatus: 429, attempts: 3, throttles: 3, permanent: false, failure: "throttled" },
      results: ["throttled", "throttled", "throttled"],
      throttled: [0, 0, 0],
      message: /^still throttled after 3 tries \(--max-tries 3\); retry it later with "connect-backfill retry"$/,
    },
    {
      name: "transient errors until maxAttempts",
      script: [reset(), unavailable(), reset()],
      policy: { maxAttempts: 3, maxTries: 10 },
      expected: { status: "failed", errorCode: "ConnectionReset", httpStatus: undefined, attempts: 3, throttles: 0, failure: "unanswered" },
      results: ["transient", "transient", "transient"],
      throttled: [],
      message: /\(gave up after 3 transient errors\)$/,
    },
    {
      name: "--max-tries counts throttled and transient tries together",
      script: [throttle(), throttle(), unavailable()],
      policy: { maxAttempts: 5, maxTries: 3 },
      expected: { status: "failed", errorCode: "ServiceUnavailable", httpStatus: 503, attempts: 3, throttles: 2, failure: "unanswered" },
      results: ["throttled", "throttled", "transient"],
      throttled: [0, 0],
      message: /\(gave up after 1 transient errors\)$/,
    },
    {
      name: "throttles do not use up the transient tries",
      script: [unavailable(), throttle(), throttle(), unavailable(), ok],
      policy: { maxAttempts: 3, maxTries: 5 },
      expected: { status: "updated", attempts: 5, throttles: 2 },
      results: ["transient", "throttled", "throttled", "transient", "ok"],
      throttled: [0, 0],
    },
  ];

  it.each(cases)("$name", async (c) => {
    const { res, sent, told, results, calls } = await send({ script: c.script, ...(c.policy ? { policy: c.policy } : {}) });
    expect(res.kind).toBe("done");
    expect(res).toMatchObject(c.expected);
    if (res.kind === "done" && c.message) expect(res.message).toMatch(c.message);
    expect(results).toEqual(c.results);
    expect(calls.every((x) => x.operation === "UpdateContactAttributes" && x.durationMs >= 0)).toBe(true);
    expect(told.throttled).toEqual(c.throttled);
    // Each throttle names the turn its attempt was sent in (the governor tells a call sent after its last decrease).
    expect(told.sentIn).toEqual(c.results.flatMap((r, i) => (r === "throttled" ? [`${i + 1}:0`] : [])));
    // One turn of the governor per attempt; success reported once, only when answered.
    expect(told.turns).toBe(c.results.length);
    expect(told.succeeded).toBe(c.results.at(-1) === "ok" ? 1 : 0);
    expect(sent).toEqual(Array(c.results.length).fill("UpdateContactAttributesCommand"));
  });

  it("hands back what a read answered as the result's value", async () => {
    const { res, sent } = await send({ op: getContactAttributes, script: [throttle(), { answer: { Attributes: { topic: "sales" } } }] });
    expect(res).toMatchObject({ kind: "done", status: "updated", attempts: 2, throttles: 1, value: { topic: "sales" } });
    expect(sent).toEqual(["GetContactAttributesCommand", "GetContactAttributesCommand"]);
  });
});

describe("sendCall: a call is counted before it goes", () => {
  it("waits for each attempt's count before sending it", async () => {
    const order: string[] = [];
    let sentSoFar = 0;
    const { res, sent } = await send({
      script: [throttle(), ok],
      onSend: async () => {
        await new Promise((r) => setTimeout(r, 5));
        order.push(`counted with ${sentSoFar} sent`);
        sentSoFar++;
        return true;
      },
    });
    expect(res).toMatchObject({ kind: "done", status: "updated", attempts: 2 });
    expect(order).toEqual(["counted with 0 sent", "counted with 1 sent"]);
    expect(sent).toHaveLength(2);
  });

  it("a call the count refuses (its run was cancelled) does not go: the row is handed back", async () => {
    const { res, sent } = await send({ script: [ok], onSend: async () => false });
    expect(res).toMatchObject({ kind: "handback", attempts: 0 });
    expect(sent).toHaveLength(0);
  });

  it("sends nothing when the count cannot be written, and the error goes up", async () => {
    const { client, sent } = scriptedClient([ok]);
    const { governor } = fakeGovernor();
    const call = sendCall(
      {
        client,
        op: UPDATE,
        governor,
        policy: POLICY,
        signal: new AbortController().signal,
        onSend: () => Promise.reject(new Error("OOM command not allowed when used memory > 'maxmemory'")),
      },
      TO,
      { topic: "billing" },
    );
    await expect(call).rejects.toThrow(/maxmemory/);
    expect(sent).toEqual([]);
  });
});

describe("sendCall: the Retry-After cap", () => {
  it("tells the governor at most the cap, and says so once per process", async () => {
    const cases: Array<[retryAfter: string, cap: number | undefined, told: number]> = [
      ["3600", 50, 50],
      ["2", 50, 50],
      ["0.04", 50, 40],
      // --max-retry-after's default: 30 s.
      ["3600", undefined, 30_000],
      ["29", undefined, 29_000],
    ];
    const warned: unknown[][] = [];
    for (const [retryAfter, cap, told] of cases) {
      const r = await send({ script: [throttle(retryAfter), ok], ...(cap === undefined ? {} : { policy: { maxRetryAfterMs: cap } }) });
      expect(r.res).toMatchObject({ kind: "done", status: "updated", attempts: 2, throttles: 1 });
      expect(r.told.throttled, `Retry-After ${retryAfter}, cap ${cap}`).toEqual([told]);
      warned.push(...r.warn.mock.calls);
    }
    expect(warned).toHaveLength(1);
    expect(warned[0]?.[0]).toEqual({ retryAfterMs: 3_600_000, capMs: 50 });
    expect(warned[0]?.[1]).toMatch(/asked to wait 3600 s \(Retry-After\); waiting 0 s instead \(--max-retry-after\)/);
  });

  it("caps a transient error's wait as well", async () => {
    const started = performance.now();
    const r = await send({ script: [unavailable("3600"), ok], policy: { maxRetryAfterMs: 30 } });
    const tookMs = performance.now() - started;
    expect(r.res).toMatchObject({ kind: "done", status: "updated", attempts: 2, throttles: 0 });
    expect(tookMs).toBeGreaterThanOrEqual(25);
    expect(tookMs).toBeLessThan(5_000);
  });

  it("waits a transient error's Retry-After when it exceeds the backoff", async () => {
    const started = performance.now();
    const r = await send({ script: [unavailable("0.06"), ok] });
    expect(r.res).toMatchObject({ kind: "done", status: "updated", attempts: 2 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });
});

describe("sendCall: throttled without progress", () => {
  /** A row throttled on every try, the clock moving 1 s a try: the watch finds no progress after MIN_STALL_MS. */
  async function stalled(onStall?: (reason: string) => Promise<void>) {
    const { client } = scriptedClient(Array.from({ length: 40 }, () => throttle("3600")));
    const { governor, told } = fakeGovernor();
    let t = 5_000_000;
    const now = vi.spyOn(Date, "now").mockImplementation(() => {
      t += 1_000;
      return t;
    });
    try {
      const res = await sendCall(
        {
          client,
          op: UPDATE,
          governor,
          policy: { ...POLICY, maxTries: 40, maxRetryAfterMs: 1 },
          signal: new AbortController().signal,
          ...(onStall ? { onStall } : {}),
        },
        TO,
        { topic: "billing" },
      );
      return { res, told };
    } finally {
      now.mockRestore();
    }
  }

  it("stops the run (onStall) and hands the row back, long before --max-tries", async () => {
    const reasons: string[] = [];
    const { res } = await stalled(async (r) => {
      reasons.push(r);
    });
    expect(res.kind).toBe("handback");
    expect(res.attempts).toBeLessThan(40);
    expect(res.attempts).toBeGreaterThanOrEqual(MIN_STALL_MS / 1_000 / 2);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(/^sustained throttling: every call was throttled for \d+ s and none got through; it asks to wait 3600 s \(Retry-After\)$/);
  });

  it("without a run to stop, the row fails as throttled (retryable)", async () => {
    const { res } = await stalled();
    expect(res).toMatchObject({ kind: "done", status: "failed", errorCode: "Throttled", failure: "throttled", permanent: false });
  });
});

describe("sendCall: stops hand the row back", () => {
  const aborted = () => {
    const c = new AbortController();
    c.abort();
    return c.signal;
  };
  const cases: Array<{
    name: string;
    setup: () => Setup;
    attempts: number;
    throttles: number;
    results: CallResult["result"][];
  }> = [
    { name: "shut down before the first try", setup: () => ({ script: [], signal: aborted() }), attempts: 0, throttles: 0, results: [] },
    {
      name: "shut down before the first try, stopNew not fired",
      setup: () => ({ script: [], signal: aborted(), stopNew: new AbortController().signal }),
      attempts: 0,
      throttles: 0,
      results: [],
    },
    { name: "stopNew before the first try", setup: () => ({ script: [], stopNew: aborted() }), attempts: 0, throttles: 0, results: [] },
    {
      name: "stopNew while waiting for the governor's turn",
      setup: () => {
        const stop = new AbortController();
        setTimeout(() => stop.abort(), 20);
        const acquire = (signal?: AbortSignal) => new Promise<void>((_, reject) => signal?.addEventListener("abort", () => reject(abortError()), { once: true }));
        return { script: [], stopNew: stop.signal, acquire };
      },
      attempts: 0,
      throttles: 0,
      results: [],
    },
    {
      name: "stopNew during a throttle: no new try",
      setup: () => {
        const stop = new AbortController();
        const answer = async () => {
          stop.abort();
          throw throttle();
        };
        return { script: [answer, ok], stopNew: stop.signal };
      },
      attempts: 1,
      throttles: 1,
      results: ["throttled"],
    },
    {
      name: "stopNew during a transient error's backoff",
      setup: () => {
        const stop = new AbortController();
        setTimeout(() => stop.abort(), 20);
        return { script: [unavailable(), ok], stopNew: stop.signal, policy: { backoff: { baseMs: 60_000, capMs: 60_000, random: () => 1 } } };
      },
      attempts: 1,
      throttles: 0,
      results: ["transient"],
    },
    {
      name: "shut down while the call is in flight (not counted as a call's result)",
      setup: () => {
        const shutdown = new AbortController();
        setTimeout(() => shutdown.abort(), 20);
        return { script: [throttle(), hang, ok], signal: shutdown.signal };
      },
      attempts: 2,
      throttles: 1,
      results: ["throttled"],
    },
  ];

  it.each(cases)("$name", async (c) => {
    const { res, results, told } = await send(c.setup());
    expect(res).toEqual({ kind: "handback", attempts: c.attempts, throttles: c.throttles });
    expect(results).toEqual(c.results);
    expect(told.succeeded).toBe(0);
  });

  it("stopNew leaves the call in flight to finish", async () => {
    const stop = new AbortController();
    const answer = (call: CallStop) =>
      new Promise((resolve, reject) => {
        stop.abort();
        call.onabort = () => reject(abortError());
        setTimeout(() => resolve({}), 20);
      });
    const { res, results, told } = await send({ script: [answer], stopNew: stop.signal });
    expect(res).toMatchObject({ kind: "done", status: "updated", attempts: 1 });
    expect(results).toEqual(["ok"]);
    expect(told.succeeded).toBe(1);
  });

  it("a governor fault that is not a stop goes up", async () => {
    const fault = new Error("Connection is closed.");
    const acquire = async () => {
      throw fault;
    };
    await expect(send({ script: [ok], acquire })).rejects.toBe(fault);
  });
});

describe("sendCall: the call's deadline", () => {
  it("a write with no answer in time is a transient Timeout that may have been applied", async () => {
    const { res, results } = await send({ script: [hang, hang], policy: { callDeadlineMs: 30, maxAttempts: 2 } });
    expect(res).toMatchObject({ kind: "done", status: "failed", errorCode: "Timeout", attempts: 2, failure: "unanswered" });
    expect(res.kind === "done" && res.message).toBe(
      "no complete answer within 30 ms; the update may have been applied (no answer came) (gave up after 2 transient errors)",
    );
    expect(results).toEqual(["transient", "transient"]);
  });

  it("a read's timeout changed nothing", async () => {
    const { res } = await send({ op: getContactAttributes, script: [hang, hang], policy: { callDeadlineMs: 30, maxAttempts: 2 } });
    expect(res).toMatchObject({ kind: "done", status: "failed", errorCode: "Timeout", failure: "unanswered" });
    expect(res.kind === "done" && res.message).toBe("no complete answer within 30 ms (gave up after 2 transient errors)");
  });

  it("a timed-out call is tried again", async () => {
    const { res, results } = await send({ script: [hang, ok], policy: { callDeadlineMs: 30 } });
    expect(res).toMatchObject({ kind: "done", status: "updated", attempts: 2, throttles: 0 });
    expect(results).toEqual(["transient", "ok"]);
  });
});
