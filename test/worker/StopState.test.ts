import { describe, expect, it } from "vitest";
import { StopState } from "../../src/worker/chunk/StopState.js";

describe("StopState", () => {
  const make = () => {
    const signal = new AbortController();
    const stopNew = new AbortController();
    return { stop: new StopState(signal.signal, stopNew.signal), signal, stopNew };
  };

  it.each([
    { name: "nothing happened", learn: [], handBack: false, waiting: false, result: "done", halted: false },
    { name: "rows still wait for another chunk", learn: [], handBack: false, waiting: true, result: "waiting", halted: false },
    { name: "the breaker stopped the run", learn: ["stopped"], handBack: false, waiting: false, result: "parked", halted: true },
    { name: "a canary paused the run", learn: ["paused"], handBack: false, waiting: false, result: "parked", halted: true },
    { name: "paused, then a call was handed back: still parked", learn: ["paused"], handBack: true, waiting: false, result: "parked", halted: true },
    { name: "handed back", learn: [], handBack: true, waiting: false, result: "handback", halted: true },
    {
      name: "rows wait for a canary place: the rest go on, the chunk goes back",
      learn: [],
      handBack: false,
      defer: true,
      waiting: false,
      result: "handback",
      halted: false,
    },
    { name: "cancelled", learn: ["cancelled"], handBack: false, waiting: false, result: "cancelled", halted: true },
    { name: "the run is gone", learn: ["gone"], handBack: false, waiting: false, result: "unknown-run", halted: true },
    { name: "an ordinary state changes nothing", learn: ["queued"], handBack: false, waiting: false, result: "done", halted: false },
  ])("$name", (c) => {
    const { learn, handBack, waiting, result, halted } = c;
    const { stop } = make();
    for (const s of learn) stop.learn(s);
    if (handBack) stop.handBack();
    if ("defer" in c && c.defer) stop.defer();
    expect(stop.halted()).toBe(halted);
    expect(stop.result(waiting)).toBe(result);
  });

  it("shutdown or a graceful stop halts; waiting rows then go back", () => {
    const a = make();
    a.stopNew.abort();
    expect(a.stop.mustStop()).toBe(true);
    expect(a.stop.result(true)).toBe("handback");
    const b = make();
    b.signal.abort();
    expect(b.stop.halted()).toBe(true);
  });

  it("the first failure is the one thrown", () => {
    const { stop } = make();
    stop.fail(new Error("first"));
    stop.fail(new Error("second"));
    expect(() => stop.result(false)).toThrow("first");
  });
});
