import { describe, expect, it } from "vitest";
import { defaultBurst, TokenBucket } from "../../src/simulator/index.js";

/** A clock the test moves by hand. */
function fakeClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe("TokenBucket", () => {
  // Each step: advance the clock by `after` ms, then try `take` requests; `granted` of them must pass.
  const cases: Array<{ name: string; rate: number | null; burst?: number; steps: Array<{ after: number; take: number; granted: number }> }> = [
    { name: "starts full at burst", rate: 10, burst: 5, steps: [{ after: 0, take: 8, granted: 5 }] },
    {
      name: "refills at rate per second",
      rate: 10,
      burst: 5,
      steps: [
        { after: 0, take: 5, granted: 5 },
        { after: 100, take: 3, granted: 1 },
        { after: 350, take: 5, granted: 3 },
      ],
    },
    {
      name: "never banks more than burst",
      rate: 10,
      burst: 2,
      steps: [
        { after: 0, take: 2, granted: 2 },
        { after: 10_000, take: 5, granted: 2 },
      ],
    },
    {
      name: "refused requests take nothing",
      rate: 4,
      burst: 1,
      steps: [
        { after: 0, take: 1, granted: 1 },
        { after: 100, take: 50, granted: 0 },
        { after: 150, take: 2, granted: 1 },
      ],
    },
    {
      name: "fractional rate accumulates",
      rate: 0.5,
      burst: 1,
      steps: [
        { after: 0, take: 1, granted: 1 },
        { after: 1999, take: 1, granted: 0 },
        { after: 1, take: 1, granted: 1 },
      ],
    },
    { name: "default burst is the documented one (10/s: 15)", rate: 10, steps: [{ after: 0, take: 20, granted: 15 }] },
    { name: "null is unlimited", rate: null, steps: [{ after: 0, take: 10_000, granted: 10_000 }] },
    { name: "0 is unlimited", rate: 0, steps: [{ after: 0, take: 1000, granted: 1000 }] },
  ];

  it.each(cases)("$name", ({ rate, burst, steps }) => {
    const clock = fakeClock();
    const bucket = new TokenBucket(rate, burst, clock.now);
    for (const step of steps) {
      clock.advance(step.after);
      let granted = 0;
      for (let i = 0; i < step.take; i++) if (bucket.tryTake()) granted++;
      expect(granted).toBe(step.granted);
    }
  });

  // Documented pairs (connect-api.md): 10/s burst 15, 2/s burst 5; other rates 1.5 x rate rounded up.
  it.each([
    [10, 15],
    [2, 5],
    [1, 2],
    [5, 8],
    [100, 150],
    [0.1, 1],
  ])("defaultBurst(%d) = %d", (rate, burst) => {
    expect(defaultBurst(rate)).toBe(burst);
  });

  it("lowering the rate clamps banked tokens at once; raising it gives no free burst", () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(100, 20, clock.now);
    bucket.configure(40, 8);
    expect(bucket.available()).toBe(8);
    for (let i = 0; i < 8; i++) expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
    bucket.configure(100, 20);
    expect(bucket.available()).toBe(0);
    clock.advance(100);
    expect(bucket.available()).toBeCloseTo(10);
    expect(bucket.rate).toBe(100);
    expect(bucket.burst).toBe(20);
  });

  it("tokens earned before a rate change are settled at the old rate", () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(10, 10, clock.now);
    for (let i = 0; i < 10; i++) bucket.tryTake();
    clock.advance(500); // 5 tokens at 10/s
    bucket.configure(1, 10);
    expect(bucket.available()).toBeCloseTo(5);
  });

  it("a clock stepping backwards does not drain or overfill", () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(10, 3, clock.now);
    bucket.tryTake();
    clock.advance(-5000);
    expect(bucket.available()).toBe(2);
  });

  it("switching from unlimited to limited starts full", () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(null, undefined, clock.now);
    expect(bucket.rate).toBeNull();
    bucket.configure(5, 3);
    expect(bucket.available()).toBe(3);
  });
});
