import { describe, expect, it } from "vitest";
import { aheadFor, type CheckAhead } from "../../src/app/checkAhead.js";
import type { CheckOptions, CheckResult } from "../../src/app/checkOptions.js";

const OPTS: CheckOptions = { target: { endpoint: "http://127.0.0.1:4000", region: "us-east-1" }, instanceId: "i", askConnect: false, timeoutMs: 5000 };
const ANSWER: CheckResult = { problems: [], region: "us-east-1", notes: [] };

/** A check started ahead for `opts` (no thread: its answer is given). */
function aheadOf(opts: CheckOptions): CheckAhead {
  return { opts, result: Promise.resolve(ANSWER), cancel: () => undefined };
}

describe("aheadFor: a check started ahead answers only for what it checked", () => {
  it("the same target, instance and options: its answer", async () => {
    const ahead = aheadOf(OPTS);
    expect(aheadFor(ahead, { ...OPTS, target: { ...OPTS.target } })).toBe(ahead.result);
    // Written in another order (a run's stored target against this shell's): the same target.
    expect(aheadFor(ahead, { ...OPTS, target: { region: "us-east-1", endpoint: "http://127.0.0.1:4000" } })).toBe(ahead.result);
    // Without a call to Connect the instance is not checked: another one (a run's own default) takes the same answer.
    expect(aheadFor(ahead, { ...OPTS, instanceId: "other" })).toBe(ahead.result);
    expect(aheadFor(ahead, { ...OPTS, instanceId: undefined })).toBe(ahead.result);
  });

  it("another endpoint, Region, timeout, a call to Connect, or (with one) another instance: none (checked afresh)", () => {
    const ahead = aheadOf(OPTS);
    expect(aheadFor(ahead, { ...OPTS, target: { ...OPTS.target, endpoint: "http://127.0.0.1:4001" } })).toBeUndefined();
    expect(aheadFor(ahead, { ...OPTS, target: { endpoint: undefined, region: "us-east-1" } })).toBeUndefined();
    expect(aheadFor(ahead, { ...OPTS, target: { ...OPTS.target, region: "eu-west-2" } })).toBeUndefined();
    expect(aheadFor(aheadOf({ ...OPTS, askConnect: true }), { ...OPTS, askConnect: true, instanceId: "other" })).toBeUndefined();
    expect(aheadFor(ahead, { ...OPTS, timeoutMs: 1000 })).toBeUndefined();
    expect(aheadFor(ahead, { ...OPTS, askConnect: true })).toBeUndefined();
    expect(aheadFor(undefined, OPTS)).toBeUndefined();
  });
});
