import { describe, expect, it } from "vitest";
import { HONOUR_AGAIN_AFTER, MIN_STALL_MS, ThrottleWatch } from "../../src/connect/throttleWatch.js";

/** A watch on a clock the test moves. */
function watch() {
  const clock = { t: 1_000_000 };
  return { w: new ThrottleWatch(() => clock.t), clock };
}

const CAP = 60_000;
const HOUR = 3_600_000;

describe("ThrottleWatch: a Retry-After beyond the cap is a hint honoured once, not a schedule", () => {
  it("the first is honoured for the cap; during that pause the rest wait out what is left of it", () => {
    const { w, clock } = watch();
    expect(w.throttled(HOUR, CAP)).toMatchObject({ kind: "wait", retryAfterMs: CAP });
    clock.t += 20_000;
    expect(w.throttled(HOUR, CAP)).toEqual({ kind: "wait", retryAfterMs: 40_000 });
  });

  it("after the pause, more of them are not honoured (the governor slows down as for any 429), until 10 caps have passed", () => {
    const { w, clock } = watch();
    w.throttled(HOUR, CAP);
    clock.t += CAP + 1;
    const again = w.throttled(HOUR, CAP);
    expect(again).toMatchObject({ kind: "wait", retryAfterMs: 0 });
    w.succeeded();
    clock.t += HONOUR_AGAIN_AFTER * CAP;
    expect(w.throttled(HOUR, CAP)).toMatchObject({ kind: "wait", retryAfterMs: CAP });
  });

  it("a Retry-After within the cap is obeyed every time", () => {
    const { w, clock } = watch();
    for (let i = 0; i < 5; i++) {
      expect(w.throttled(2_000, CAP)).toEqual({ kind: "wait", retryAfterMs: 2_000 });
      clock.t += 2_000;
      w.succeeded();
    }
  });
});

describe("ThrottleWatch: throttling without progress", () => {
  it("stalls once every call has been throttled for two caps with none getting through", () => {
    const { w, clock } = watch();
    expect(w.throttled(HOUR, CAP).kind).toBe("wait");
    for (let t = 0; t < 2 * CAP - 1_000; t += 1_000) {
      clock.t += 1_000;
      expect(w.throttled(HOUR, CAP).kind).toBe("wait");
    }
    clock.t += 1_000;
    expect(w.throttled(HOUR, CAP)).toEqual({
      kind: "stalled",
      reason: "sustained throttling: every call was throttled for 120 s and none got through; it asks to wait 3600 s (Retry-After)",
    });
  });

  it("one call getting through starts the count again; so does a long quiet spell", () => {
    const { w, clock } = watch();
    w.throttled(undefined, 1_000);
    clock.t += MIN_STALL_MS - 1;
    w.throttled(undefined, 1_000);
    w.succeeded();
    clock.t += 1;
    expect(w.throttled(undefined, 1_000).kind).toBe("wait");
    clock.t += MIN_STALL_MS + 1; // nothing throttled meanwhile: an idle worker, not a stalled one
    expect(w.throttled(undefined, 1_000).kind).toBe("wait");
    clock.t += MIN_STALL_MS - 1_000;
    expect(w.throttled(undefined, 1_000).kind).toBe("wait");
    clock.t += 1_000;
    expect(w.throttled(undefined, 1_000)).toEqual({ kind: "stalled", reason: "sustained throttling: every call was throttled for 10 s and none got through" });
  });
});
