import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RateGovernor } from "../../src/rate/RateGovernor.js";
import { deletePrefix, REDIS_URL, uniquePrefix } from "../integration/helpers.js";

// The governor's arithmetic runs in Redis (Lua); a fake clock passed to the
// scripts makes it exact and instant to test.
let redis: Redis;
let redis2: Redis;
const prefix = uniquePrefix();
let n = 0;
beforeAll(() => {
  redis = new Redis(REDIS_URL);
  redis2 = new Redis(REDIS_URL);
});
afterAll(async () => {
  await deletePrefix(prefix);
  await redis.quit();
  await redis2.quit();
});

function governor(ceiling: number, clock: { now: number }, conn = redis, key = `${prefix}:gov:${n++}`) {
  return new RateGovernor({ redis: conn, key, ceiling, now: () => clock.now });
}

type Step =
  | { at: number; reserve: number } // expected wait in ms
  | { at: number; throttle: true; rate: number; decreased?: boolean; retryAfter?: number }
  | { at: number; rateNear: number }
  | { at: number; succeed: number };

// Before the first throttle the rate starts at ceiling/8 and doubles every 250 ms.
const warm = (at: number): Step[] => [
  { at, reserve: 0 },
  { at: at + 1000, rateNear: -1 }, // ramp done (the ceiling is reached after 750 ms)
];

const table: Array<{ name: string; ceiling: number; steps: Step[] }> = [
  {
    name: "starts slow and doubles every 250 ms up to the ceiling",
    ceiling: 80,
    steps: [
      { at: 0, rateNear: 10 },
      { at: 250, rateNear: 20 },
      { at: 500, rateNear: 40 },
      { at: 750, rateNear: 80 },
      { at: 1500, rateNear: 80 },
    ],
  },
  {
    name: "paces evenly, never in bursts",
    ceiling: 10,
    steps: [
      { at: 0, reserve: 0 }, // rate 1.25: next slot at 800
      { at: 500, reserve: 300 }, // rate 5: next slot at 1000
      { at: 1000, reserve: 0 }, // rate 10 from here on
      { at: 1000, reserve: 100 },
      { at: 1000, reserve: 200 },
      { at: 1250, reserve: 50 },
      { at: 2500, reserve: 0 }, // idle time is not saved up into a burst
      { at: 2500, reserve: 100 },
    ],
  },
  {
    name: "decreases by beta on a throttle, once per cooldown",
    ceiling: 100,
    steps: [
      ...warm(0),
      { at: 1010, throttle: true, rate: 80, decreased: true },
      { at: 1100, throttle: true, rate: 100 - 1.28 * 2.41 ** 3, decreased: false }, // same overshoot; the curve goes on
      { at: 1600, throttle: true, rate: 0, decreased: true },
    ],
  },
  {
    name: "climbs back along the cubic curve, never past the ceiling",
    ceiling: 120,
    steps: [
      ...warm(0),
      { at: 1000, throttle: true, rate: 96, decreased: true }, // wmax 120 -> 96
      { at: 2250, rateNear: 120 - 0.0128 * 120 * 1.25 ** 3 },
      { at: 3500, rateNear: 120 }, // K = cbrt(0.2 / 0.0128) = 2.5 s
      { at: 5500, rateNear: 120 }, // would be 132.3, capped at the ceiling
    ],
  },
  {
    name: "caps the decrease at what the service served since the last one",
    ceiling: 1000,
    steps: [
      ...warm(0),
      { at: 1000, throttle: true, rate: 800, decreased: true }, // no evidence yet: beta only
      { at: 1100, succeed: 150 },
      { at: 1500, succeed: 150 },
      // 300 successes in the second since: told 1000, the rate drops near 315 at once
      { at: 2000, throttle: true, rate: 315 * 0.8, decreased: true },
    ],
  },
  {
    name: "leaves slow start at the rate of a quarter-second before the throttle, not the doubled one",
    ceiling: 400,
    steps: [
      { at: 0, reserve: 0 }, // 50/s, doubling every 250 ms
      // 50 * 2^2.4 = 264 when the service says no; 50 * 2^1.4 = 132 a quarter-second earlier: wmax
      { at: 600, throttle: true, rate: 0.8 * 50 * 2 ** 1.4, decreased: true },
    ],
  },
  {
    name: "honours Retry-After for everyone",
    ceiling: 50,
    steps: [
      { at: 0, reserve: 0 },
      { at: 0, throttle: true, rate: -1, retryAfter: 2000 },
      { at: 10, reserve: 1990 },
    ],
  },
];

describe("RateGovernor arithmetic (fake clock, real Redis scripts)", () => {
  it.each(table)("$name", async ({ ceiling, steps }) => {
    const clock = { now: 0 };
    const g = governor(ceiling, clock);
    for (const step of steps) {
      clock.now = step.at;
      if ("reserve" in step) expect(await g.reserve(), `reserve at ${step.at}`).toBeCloseTo(step.reserve, 3);
      else if ("succeed" in step) {
        for (let i = 0; i < step.succeed; i++) g.succeeded();
        await g.reserve();
      } else if ("throttle" in step) {
        const res = await g.throttled(step.retryAfter ?? 0);
        if (step.decreased !== undefined) expect(res.decreased).toBe(step.decreased);
        if (step.rate > 0) expect(res.rate).toBeCloseTo(step.rate, 0);
        if (step.rate === 0) expect(res.rate).toBeLessThan(80);
      } else {
        await g.reserve();
        if (step.rateNear >= 0) expect(g.rate, `rate at ${step.at}`).toBeCloseTo(step.rateNear, 0);
      }
    }
  });

  it("is shared: a throttle seen by one process slows the other", async () => {
    const clock = { now: 0 };
    const key = `${prefix}:gov:shared`;
    const a = governor(100, clock, redis, key);
    const b = governor(100, clock, redis2, key);
    await b.reserve();
    clock.now = 1000;
    await b.reserve();
    expect(b.rate).toBe(100);
    await a.throttled();
    clock.now = 1001;
    await b.reserve();
    expect(b.rate).toBeLessThan(81);
    // and b's reservations are spaced at the lower rate, after a's
    const w1 = await b.reserve();
    const w2 = await b.reserve();
    expect(w2 - w1).toBeCloseTo(1000 / b.rate, 0);
  });

  it("a caller's own low cap never slows another caller (real clock, two connections)", async () => {
    const key = `${prefix}:gov:caps`;
    const slow = new RateGovernor({ redis, key, ceiling: 5 });
    const fast = new RateGovernor({ redis: redis2, key, ceiling: 300 });
    const until = Date.now() + 2_000;
    const count = { slow: 0, fast: 0 };
    const loop = async (g: RateGovernor, name: "slow" | "fast", parallel: number) =>
      Promise.all(
        Array.from({ length: parallel }, async () => {
          while (Date.now() < until) {
            await g.acquire();
            if (Date.now() < until) count[name]++;
          }
        }),
      );
    await Promise.all([loop(slow, "slow", 4), loop(fast, "fast", 16)]);
    // The slow caller keeps to its 5/s; the fast one ramps to 300/s (slow start
    // from 300/8), about 440 calls in 2 s. Before, the slow caller's bookings held
    // the shared schedule to about 5/s for both.
    expect(count.slow).toBeLessThanOrEqual(11);
    expect(count.slow).toBeGreaterThanOrEqual(8);
    expect(count.fast).toBeGreaterThan(250);
  });

  it("decreases again within the cooldown when a call sent after the decrease is throttled (the new rate is still too high)", async () => {
    const clock = { now: 0 };
    const g = governor(100, clock);
    await g.reserve();
    clock.now = 1000;
    await g.reserve();
    const first = await g.throttled(0, "0:0");
    expect(first).toEqual({ decreased: true, rate: 80 });
    clock.now = 1050;
    // sent before the decrease (epoch 0): the same overshoot, no new decrease
    expect((await g.throttled(0, "0:0")).decreased).toBe(false);
    // sent at the rate that decrease set (epoch 1000): one more, 50 ms on and not 500
    const again = await g.throttled(0, "1000:0");
    expect(again.decreased).toBe(true);
    expect(again.rate).toBeLessThan(70);
    // ...and only once for that rate: the next one needs a call sent after this decrease
    clock.now = 1060;
    expect((await g.throttled(0, "1000:0")).decreased).toBe(false);
  });

  it("refuses nonsense options with the option named", () => {
    expect(() => new RateGovernor({ redis, key: "x", ceiling: -5 })).toThrow(/"ceiling" is out of range, got -5/);
    expect(() => new RateGovernor({ redis, key: "x", ceiling: 5, beta: 1.5 })).toThrow(/"beta"/);
  });
});

describe("where slow start begins, and old figures", () => {
  it("starts near a ceiling that is the account's stated quota", async () => {
    const clock = { now: 0 };
    const g = new RateGovernor({ redis, key: `${prefix}:start:${n++}`, ceiling: 40, now: () => clock.now, start: 0.8 });
    await g.reserve(1);
    expect(g.rate).toBeCloseTo(32, 5);
    clock.now = 250;
    await g.reserve(1);
    expect(g.rate).toBe(40);
  });

  it("waits for settings known later (scope and quota), then uses them", async () => {
    const clock = { now: 0 };
    const key = `${prefix}:later:${n++}`;
    let settle: (s: { key: string; ceiling: number; start: number }) => void = () => undefined;
    const later = new Promise<{ key: string; ceiling: number; start: number }>((r) => {
      settle = r;
    });
    const g = new RateGovernor({ redis, key: "", ceiling: 10, now: () => clock.now, later });
    let got = false;
    const acquired = g.acquire().then(() => {
      got = true;
    });
    await new Promise((r) => setTimeout(r, 30));
    expect(got).toBe(false);
    settle({ key, ceiling: 40, start: 0.8 });
    await acquired;
    expect(g.key).toBe(key);
    expect(g.rate).toBeCloseTo(32, 5);
    expect(await redis.hget(key, "rate")).toBe("32");
  });

  it("a safe rate learned more than ten minutes ago is a starting hint, not a cap", async () => {
    const clock = { now: 1_000 };
    const key = `${prefix}:stale:${n++}`;
    const g = new RateGovernor({ redis, key, ceiling: 100, now: () => clock.now, headroom: 0.1 });
    await g.reserve(1);
    clock.now = 2_000;
    await g.reserve(1);
    for (let i = 0; i < 30; i++) g.succeeded();
    clock.now = 2_400;
    await g.throttled(0);
    clock.now = 2_900;
    await g.throttled(0);
    clock.now = 8_000;
    await g.reserve(1);
    const learned = g.rate;
    expect(learned).toBeLessThan(90);
    // Nine minutes later the figures still hold: the rate stays under the headroom's cap.
    clock.now = 8_000 + 9 * 60_000;
    await g.reserve(1);
    expect(g.rate).toBeLessThanOrEqual(learned * 1.2);
    // Past ten minutes since their last use: slow start again, from near the old safe rate, up to the ceiling.
    clock.now += 10 * 60_000 + 1;
    await g.reserve(1);
    const hint = Number(await redis.hget(key, "hint"));
    expect(hint).toBeGreaterThan(0);
    expect(g.rate).toBeCloseTo(Math.max(100 / 8, hint * 0.9), 5);
    clock.now += 1_000;
    await g.reserve(1);
    expect(g.rate).toBe(100);
    expect(await redis.hget(key, "wmax")).toBeNull();
  });
});
