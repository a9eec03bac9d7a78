import type { Redis } from "ioredis";
import { RateGovernor } from "../../src/rate/RateGovernor.js";
import { TokenBucket } from "../../src/simulator/TokenBucket.js";

/**
 * A deterministic stand-in for the governor bench (bench/governor.ts): RateGovernor's own code and Lua
 * scripts in real Redis, on a virtual clock, against the simulator's TokenBucket, with the worker's loop
 * (acquire, call, succeeded or throttled and retry). Virtual time only moves when nothing is in flight
 * (no Redis reply pending, no microtask left), so a run is the same on a busy machine as on a quiet one.
 * The test file that uses it must route src/lib/sleep.js to `clock.sleep` (vi.mock).
 */
export class VirtualClock {
  now = 0;
  private timers: Array<{ at: number; seq: number; fire: () => void }> = [];
  private seq = 0;
  inflight = 0;

  sleep = (ms: number): Promise<void> => new Promise((resolve) => this.at(this.now + Math.max(0, ms), resolve));

  at(t: number, fire: () => void): void {
    this.timers.push({ at: t, seq: this.seq++, fire });
  }

  /** Waits until nothing is in flight (Redis replies, microtasks), then fires the earliest timer. False when none is left. */
  async step(until: number): Promise<boolean> {
    await this.settle();
    if (this.timers.length === 0) return false;
    let i = 0;
    for (let k = 1; k < this.timers.length; k++) {
      const a = this.timers[k] as { at: number; seq: number };
      const b = this.timers[i] as { at: number; seq: number };
      if (a.at < b.at || (a.at === b.at && a.seq < b.seq)) i = k;
    }
    const [t] = this.timers.splice(i, 1);
    if (!t || t.at > until) return false;
    this.now = Math.max(this.now, t.at);
    t.fire();
    return true;
  }

  private async settle(): Promise<void> {
    for (let quiet = 0; quiet < 2; ) {
      await new Promise((r) => setImmediate(r));
      quiet = this.inflight === 0 ? quiet + 1 : 0;
    }
  }
}

export interface SimScenario {
  /** The service's limit (req/s) and bucket size. */
  readonly limit: number;
  readonly burst: number;
  readonly told: number;
  readonly processes: number;
  readonly rows: number;
  /** [seconds after the start, new limit] (the burst follows `burstOf`). */
  readonly changes?: ReadonlyArray<readonly [number, number]>;
  readonly burstOf?: (rate: number) => number;
  readonly latencyMs: number;
  readonly concurrency: number;
  /** Another caller at this many calls/s, one try each. */
  readonly foreign?: number;
  readonly headroom?: number;
  /** Per-call latency jitter (ms, uniform 0..this), drawn from a seeded generator. */
  readonly jitterMs?: number;
  readonly seed?: number;
}

export interface SimResult {
  readonly goodputShare: number;
  readonly throttledShare: number;
  readonly foreignThrottled: number;
  readonly calls: number;
  readonly throttled: number;
  /** Per second: [ok, throttled] of the backfill. */
  readonly timeline: Array<[number, number]>;
  readonly wallS: number;
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

type Evals = Redis & { cbReserve?: (...a: unknown[]) => Promise<unknown>; cbThrottled?: (...a: unknown[]) => Promise<unknown> };

/** Counts the governor's Redis calls in flight, so the clock waits for their replies. */
function counted(redis: Redis, clock: VirtualClock): void {
  const r = redis as Evals;
  for (const name of ["cbReserve", "cbThrottled"] as const) {
    const orig = r[name];
    if (!orig || (orig as { counted?: boolean }).counted) continue;
    const wrapped = (...a: unknown[]) => {
      clock.inflight++;
      return orig.apply(r, a).finally(() => clock.inflight--);
    };
    (wrapped as { counted?: boolean }).counted = true;
    r[name] = wrapped;
  }
}

export async function simulate(redis: Redis, key: string, clock: VirtualClock, s: SimScenario): Promise<SimResult> {
  const random = rng(s.seed ?? 1);
  const bucket = new TokenBucket(s.limit, s.burst, () => clock.now);
  const burstOf = s.burstOf ?? (() => s.burst);
  for (const [at, rate] of s.changes ?? []) clock.at(at * 1000, () => bucket.configure(rate, burstOf(rate)));
  const timeline: Array<[number, number]> = [];
  const sec = () => {
    const i = Math.floor(clock.now / 1000);
    while (timeline.length <= i) timeline.push([0, 0]);
    return timeline[i] as [number, number];
  };
  let foreignSent = 0;
  let foreignThrottled = 0;
  let done = 0;
  let lastOk = 0;
  if (s.foreign) {
    // Steady, as a contact flow: its own timer, one try each; it runs until the backfill is done.
    const every = 1000 / s.foreign;
    const tick = (t: number) => () => {
      if (done >= s.rows) return;
      // a timer's own lateness (a few ms), not saved up: the next tick is due from the schedule
      clock.at(t + random() * (s.jitterMs ?? 0), () => {
        foreignSent++;
        if (!bucket.tryTake()) foreignThrottled++;
      });
      clock.at(t + every, tick(t + every));
    };
    clock.at(0, tick(0));
  }
  let next = 0;
  const conns: Redis[] = [];
  const lanes: Array<Promise<void>> = [];
  for (let p = 0; p < s.processes; p++) {
    // A connection per process, as two processes have; its counter belongs to this run's clock.
    const conn = redis.duplicate();
    conns.push(conn);
    const g = new RateGovernor({ redis: conn, key, ceiling: s.told, now: () => clock.now, headroom: s.headroom ?? 0 });
    counted(conn, clock);
    for (let l = 0; l < s.concurrency; l++) {
      lanes.push(
        (async () => {
          while (next < s.rows) {
            next++;
            for (;;) {
              const epoch = await g.acquire();
              // the service decides on arrival, a jittered moment after the call leaves
              await clock.sleep(random() * (s.jitterMs ?? 0));
              const ok = bucket.tryTake();
              sec()[ok ? 0 : 1]++;
              await clock.sleep(s.latencyMs + random() * (s.jitterMs ?? 0));
              if (ok) {
                g.succeeded();
                done++;
                lastOk = clock.now;
                break;
              }
              await g.throttled(0, epoch);
            }
          }
        })(),
      );
    }
  }
  const end = 600_000;
  let finished = false;
  const all = Promise.all(lanes).then(() => {
    finished = true;
  });
  while (!finished && (await clock.step(end))) {
    /* advance */
  }
  await all;
  await Promise.all(conns.map((c) => c.quit()));
  // Goodput as the bench counts it: from the third second to the last whole one, as a share of the limit.
  const toS = Math.floor(lastOk / 1000 - 1);
  let ok = 0;
  let lim = 0;
  const points: Array<readonly [number, number]> = [[0, s.limit], ...(s.changes ?? [])];
  for (let t = 2; t < toS; t++) {
    ok += timeline[t]?.[0] ?? 0;
    let l = s.limit;
    for (const [at, rate] of points) if (at <= t) l = rate;
    lim += l * (s.foreign ? 1 - s.foreign / s.limit : 1);
  }
  const calls = timeline.reduce((n, [a, b]) => n + a + b, 0);
  const throttled = timeline.reduce((n, [, b]) => n + b, 0);
  return {
    goodputShare: lim > 0 ? ok / lim : 0,
    throttledShare: throttled / Math.max(1, calls),
    foreignThrottled: foreignThrottled / Math.max(1, foreignSent),
    calls,
    throttled,
    timeline,
    wallS: lastOk / 1000,
  };
}
