import type { Redis } from "ioredis";
import { RateTurns } from "./RateTurns.js";
import { abortError, untilAborted } from "../lib/abort.js";
import { sleep } from "../lib/sleep.js";
import { RESERVE, THROTTLED } from "./governorScripts.js";

export interface RateGovernorOptions {
  readonly redis: Redis;
  /** Redis key of the shared state: every process using the same key shares one rate. */
  readonly key: string;
  /**
   * This caller's own cap, requests/s (`--rate`). Callers sharing the key together
   * never exceed the highest cap among them; each never exceeds its own.
   */
  readonly ceiling: number;
  /** Multiplicative decrease on a throttle. */
  readonly beta?: number;
  /** CUBIC's growth constant as a share of wmax per s^3 (0.0128: back at wmax 2.5 s after a throttle with beta 0.8). */
  readonly c?: number;
  readonly minRate?: number;
  /** At most one decrease per this many ms. */
  readonly cooldownMs?: number;
  /** Fake clock for tests (ms); Redis's clock when absent. */
  readonly now?: () => number;
  /**
   * The share of the rate found safe (where the service last throttled) left to
   * the account's other callers: pace at (1 - headroom) of it, probe above once a
   * minute. The quota is the account's; production flows share it. Default 0.
   */
  readonly headroom?: number;
  /** Where slow start begins, as a share of the ceiling (default 1/8; near 1 when the ceiling is the account's stated quota). */
  readonly start?: number;
  /**
   * Settings known only later (the quota's scope and the account's quota, read from AWS when the process
   * starts): the governor waits for them before its first call, then uses them instead of key, ceiling and start.
   */
  readonly later?: Promise<RateSettings>;
}

/** What a governor learns when its process starts (see `later`). */
export interface RateSettings {
  readonly key: string;
  readonly ceiling: number;
  readonly start: number;
}

type Eval = (key: string, ...args: Array<string | number>) => Promise<Array<string | number>>;

interface Slot {
  /** Local clock (ms) at which the slot opens. */
  readonly at: number;
  readonly epoch: string;
}

function check(name: string, value: number, ok: boolean): number {
  if (!ok) throw new Error(`rate governor option "${name}" is out of range, got ${value}`);
  return value;
}

/**
 * A token pacing governor shared by every worker through Redis. Call
 * `acquire()` before each attempt, `succeeded()` after a 2xx, `throttled()` after
 * a 429; one process's 429 slows all of them.
 */
export class RateGovernor {
  private keyNow: string;
  private readonly redis: Redis & { cbReserve?: Eval; cbThrottled?: Eval };
  private ceiling: number;
  private readonly beta: number;
  private readonly c: number;
  private minRate: number;
  private readonly minRateGiven: boolean;
  private start: number;
  /** Until the settings of `later` are in (then undefined). */
  private settling: Promise<void> | undefined;
  private readonly cooldownMs: number;
  private readonly now: (() => number) | undefined;
  private readonly headroom: number;
  private successes = 0;
  private lastRate: number;
  /** Every rate reported, where it turned: what the worker's log says of the rate's moves. */
  readonly turns = new RateTurns();
  /** Latest epoch seen in any reply: slots of an older one are dropped. */
  private epoch = "";
  private slots: Slot[] = [];
  private reserving: Promise<void> | undefined;
  /** This process's next turn under its own cap (local clock, ms). */
  private ownNext = 0;

  constructor(opts: RateGovernorOptions) {
    this.keyNow = opts.key;
    this.ceiling = check("ceiling", opts.ceiling, opts.ceiling > 0 && Number.isFinite(opts.ceiling));
    this.beta = check("beta", opts.beta ?? 0.8, (opts.beta ?? 0.8) > 0 && (opts.beta ?? 0.8) < 1);
    this.c = check("c", opts.c ?? 0.0128, (opts.c ?? 0.0128) > 0);
    this.minRate = check("minRate", opts.minRate ?? Math.min(0.5, opts.ceiling), (opts.minRate ?? 0.5) > 0);
    this.cooldownMs = check("cooldownMs", opts.cooldownMs ?? 500, (opts.cooldownMs ?? 500) >= 0);
    this.now = opts.now;
    this.headroom = check("headroom", opts.headroom ?? 0, (opts.headroom ?? 0) >= 0 && (opts.headroom ?? 0) < 1);
    this.minRateGiven = opts.minRate !== undefined;
    this.start = check("start", opts.start ?? 0.125, (opts.start ?? 0.125) > 0 && (opts.start ?? 0.125) <= 1);
    this.lastRate = opts.ceiling;
    if (opts.later) {
      this.settling = opts.later.then((s) => {
        this.keyNow = s.key;
        this.ceiling = check("ceiling", s.ceiling, s.ceiling > 0 && Number.isFinite(s.ceiling));
        this.start = check("start", s.start, s.start > 0 && s.start <= 1);
        if (!this.minRateGiven) this.minRate = Math.min(0.5, s.ceiling);
        this.lastRate = s.ceiling;
        this.settling = undefined;
      });
    }
    this.redis = opts.redis as RateGovernor["redis"];
    if (!this.redis.cbReserve) {
      opts.redis.defineCommand("cbReserve", { numberOfKeys: 1, lua: RESERVE });
      opts.redis.defineCommand("cbThrottled", { numberOfKeys: 1, lua: THROTTLED });
    }
  }

  /** Redis key of the shared state (the quota's scope and the API). */
  get key(): string {
    return this.keyNow;
  }

  /** This caller's own cap, requests/s (once its settings are in). */
  get cap(): number {
    return this.ceiling;
  }

  private clock(): number {
    return this.now ? this.now() : -1;
  }

  /** The rate the governor last reported (requests/s across all workers). */
  get rate(): number {
    return this.lastRate;
  }

  /**
   * Asks for the next slot(s). Returns how far ahead the first one is; the slots
   * are kept for `acquire` only when the governor granted them (it refuses slots
   * beyond a short horizon). At high rates a process takes a few consecutive
   * slots per round trip (about 10 ms worth), keeping Redis off the hot path.
   */
  async reserve(count = 1): Promise<number> {
    return (await this.ask(count)).wait;
  }

  private async ask(count: number): Promise<{ wait: number; granted: boolean; horizon: number }> {
    if (this.settling) await this.settling;
    const ok = this.successes;
    this.successes = 0;
    const [wait, rate, interval, epoch, granted, horizon] = await (this.redis.cbReserve as Eval)(
      this.keyNow,
      this.ceiling,
      this.clock(),
      ok,
      this.beta,
      this.c,
      this.minRate,
      count,
      this.headroom,
      this.start,
    );
    this.lastRate = Number(rate);
    this.turns.note(this.lastRate);
    this.epoch = String(epoch);
    const first = Math.max(0, Number(wait));
    if (Number(granted) === 1) {
      const localNow = this.now ? this.now() : Date.now();
      this.slots = this.slots.filter((s) => s.epoch === this.epoch);
      for (let i = 0; i < count; i++) this.slots.push({ at: localNow + first + i * Number(interval), epoch: this.epoch });
    }
    return { wait: first, granted: Number(granted) === 1, horizon: Number(horizon) };
  }

  /** One round trip at a time per process; callers waiting for slots share it. */
  private refill(): Promise<void> {
    this.reserving ??= (async () => {
      try {
        for (;;) {
          const res = await this.ask(Math.max(1, Math.min(32, Math.floor(Math.min(this.lastRate, this.ceiling) / 100))));
          if (res.granted) return;
          await sleep(Math.max(1, res.wait - res.horizon));
        }
      } finally {
        this.reserving = undefined;
      }
    })();
    return this.reserving;
  }

  /**
   * Waits for this caller's turn. Rejects with an AbortError when `signal` fires. Resolves with the turn's
   * epoch: given back to `throttled`, it tells a call sent at the current rate from one sent before the last decrease.
   */
  async acquire(signal?: AbortSignal): Promise<string | undefined> {
    if (this.settling) await (signal ? untilAborted(this.settling, signal) : this.settling);
    // This caller's own cap first, kept here and not in the shared schedule: a slow
    // caller that booked shared slots far ahead would hold every other caller back.
    const now = this.now ? this.now() : Date.now();
    const mine = Math.max(this.ownNext, now);
    this.ownNext = mine + 1000 / this.ceiling;
    if (mine - now >= 1) await sleep(mine - now, signal);
    for (;;) {
      if (signal?.aborted) throw abortError();
      let slot = this.slots.shift();
      while (slot && slot.epoch !== this.epoch) slot = this.slots.shift();
      if (!slot) {
        await (signal ? untilAborted(this.refill(), signal) : this.refill());
        continue;
      }
      const wait = slot.at - (this.now ? this.now() : Date.now());
      // Below a millisecond a timer only adds its own delay (at least 1 ms).
      if (wait >= 1) await sleep(wait, signal);
      // A throttle seen meanwhile (by any call of this process) voids slots of the old epoch.
      if (slot.epoch === this.epoch) return slot.epoch;
    }
  }

  succeeded(): void {
    this.successes++;
  }

  /** Slows every worker down; `retryAfterMs` (from the service) pauses all of them that long. */
  async throttled(retryAfterMs = 0, sentIn?: string): Promise<{ decreased: boolean; rate: number }> {
    if (this.settling) await this.settling;
    const [decreased, rate, epoch] = await (this.redis.cbThrottled as Eval)(
      this.keyNow,
      this.ceiling,
      this.clock(),
      Math.round(retryAfterMs),
      this.beta,
      this.c,
      this.minRate,
      this.cooldownMs,
      this.headroom,
      this.start,
      // the decrease the call was sent after ("" when unknown)
      sentIn?.split(":")[0] ?? "",
    );
    this.lastRate = Number(rate);
    this.turns.note(this.lastRate);
    this.epoch = String(epoch);
    return { decreased: Number(decreased) === 1, rate: Number(rate) };
  }
}
