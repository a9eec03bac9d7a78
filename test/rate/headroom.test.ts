import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RateGovernor } from "../../src/rate/RateGovernor.js";
import { deletePrefix, REDIS_URL, uniquePrefix } from "../integration/helpers.js";

// --headroom: the governor paces under (1 - headroom) of the rate found safe and probes above it once a
// minute. Driven by a fake clock against a quota that the backfill shares with another caller: the
// service says no (a throttle) only when the backfill's rate passes what the other caller leaves.

let redis: Redis;
const prefix = uniquePrefix();
beforeAll(() => {
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  await deletePrefix(prefix);
  await redis.quit();
});

/**
 * Ten minutes of fake time in 100 ms steps: each step the backfill sends at the governor's rate; what
 * passes the room left by the other caller is throttled. Returns the throttles, the rate at each step,
 * and the successes.
 */
async function drive(headroom: number, room: (t: number) => number, minutes = 10) {
  const clock = { now: 0 };
  const g = new RateGovernor({ redis, key: `${prefix}:${headroom}:${Math.random()}`, ceiling: 200, now: () => clock.now, headroom });
  const rates: Array<[number, number]> = [];
  let throttles = 0;
  let served = 0;
  let carry = 0;
  for (clock.now = 0; clock.now < minutes * 60_000; clock.now += 100) {
    await g.reserve(1);
    const rate = g.rate;
    rates.push([clock.now, rate]);
    carry += rate / 10;
    const calls = Math.floor(carry);
    carry -= calls;
    if (rate > room(clock.now)) {
      throttles++;
      await g.throttled(0);
    } else {
      for (let i = 0; i < calls; i++) g.succeeded();
      served += calls;
    }
  }
  return { rates, throttles, served };
}

describe("--headroom", () => {
  it("paces under 90% of what it found safe, probes rarely, and so leaves the other caller unthrottled almost always", async () => {
    // A 100/s quota; another caller uses 30/s of it: 70/s are left for the backfill.
    const { rates, throttles, served } = await drive(0.1, () => 70);
    // After discovery (the first 10 s) the rate sits under the room: the median under 90% of it (plus a little
    // for wmax measured above the room), and above the room only during probes (2 s a minute, ~3% of the time).
    const steady = rates.filter(([t]) => t > 10_000).map(([, r]) => r);
    const sorted = [...steady].sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThanOrEqual(0.9 * 70 * 1.05);
    expect(steady.filter((r) => r > 70).length / steady.length).toBeLessThan(0.04);
    // Goodput: at least 85% of what is left after the headroom (0.9 x 70 = 63/s) over the ten minutes.
    expect(served / 600).toBeGreaterThanOrEqual(0.85 * 63);
    // Throttles: discovery, then at most a few per probe (one a minute).
    expect(throttles, `${throttles} throttles`).toBeLessThanOrEqual(3 + 2 * 10);
  });

  it("without headroom the same governor rides the limit (the behaviour of a backfill that owns the quota)", async () => {
    const { throttles, served } = await drive(0, () => 70);
    expect(served / 600).toBeGreaterThanOrEqual(0.9 * 70);
    // It keeps probing the limit: far more throttles than with headroom.
    expect(throttles).toBeGreaterThan(30);
  });

  it("a short production spike does not leave the backfill low: probes that pass come again within seconds", async () => {
    // 70/s of room, except ten seconds at t = 120 s when production leaves 5/s.
    const { rates } = await drive(0.1, (t) => (t >= 120_000 && t < 130_000 ? 5 : 70), 8);
    // Back near 90% of the room within five minutes of the spike (a probe a minute would take half an hour).
    const after = rates.filter(([t]) => t > 7 * 60_000).map(([, r]) => r);
    expect(Math.min(...after)).toBeGreaterThan(0.8 * 63);
  });

  it("a probe finds room that was freed: the other caller left, the rate climbs back up", async () => {
    // The other caller stops after two minutes: 100/s free.
    const { rates } = await drive(0.1, (t) => (t < 120_000 ? 70 : 100), 8);
    const late = rates.filter(([t]) => t > 7 * 60_000).map(([, r]) => r);
    expect(Math.min(...late)).toBeGreaterThan(0.9 * 70 * 1.1);
  });
});
