/**
 * What a process makes of throttling, beyond one call: how to take a Retry-After longer than
 * --max-retry-after, and when throttling without progress means the run should stop.
 *
 * A Retry-After beyond the cap is a hint, not a schedule: the first is honoured (for the cap's
 * length, shared through the governor by every worker); while that pause lasts, the others say
 * nothing new. Hints beyond the cap that come after it, within HONOUR_AGAIN_AFTER caps, are not
 * honoured again: a service that answers `Retry-After: 3600` to every 429 would otherwise hold
 * each row for the cap on each try (40 tries of 60 s). The governor still slows down on each 429.
 *
 * No progress: when this process's calls through one governor have all been throttled for
 * STALL_CAPS caps (at least MIN_STALL_MS), with no call getting through, the run is stopped (the
 * caller does that; rows not yet sent stay queued for `resume`), rather than rows spinning for ever.
 */
export const HONOUR_AGAIN_AFTER = 10;
export const STALL_CAPS = 2;
export const MIN_STALL_MS = 10_000;

export type ThrottleVerdict =
  /** Wait this long (the governor shares it); `said`: a sentence to log once, when there is one. */
  | { readonly kind: "wait"; readonly retryAfterMs: number; readonly said?: string }
  /** Throttled without progress for too long: the run should stop, for this reason. */
  | { readonly kind: "stalled"; readonly reason: string };

/** Each sentence is said once per process, not per row or per API. */
const said = { cap: false, ignore: false };

export class ThrottleWatch {
  private honouredAt = Number.NEGATIVE_INFINITY;
  /** First throttle since the last call that got through (undefined: none since). */
  private throttledSince: number | undefined;
  private lastThrottleAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly now: () => number = Date.now) {}

  succeeded(): void {
    this.throttledSince = undefined;
  }

  throttled(retryAfterMs: number | undefined, capMs: number): ThrottleVerdict {
    const now = this.now();
    const stallMs = Math.max(STALL_CAPS * capMs, MIN_STALL_MS);
    // A throttle long after the last one starts a new streak (an idle worker is not a stalled one).
    if (this.throttledSince === undefined || now - this.lastThrottleAt > stallMs) this.throttledSince = now;
    this.lastThrottleAt = now;
    const forMs = now - this.throttledSince;
    if (forMs >= stallMs) {
      const hint = retryAfterMs !== undefined && retryAfterMs > capMs ? `; it asks to wait ${Math.round(retryAfterMs / 1000)} s (Retry-After)` : "";
      return {
        kind: "stalled",
        reason: `sustained throttling: every call was throttled for ${Math.round(forMs / 1000)} s and none got through${hint}`,
      };
    }
    if (retryAfterMs === undefined || retryAfterMs <= capMs) return { kind: "wait", retryAfterMs: retryAfterMs ?? 0 };
    const since = now - this.honouredAt;
    if (since < capMs) return { kind: "wait", retryAfterMs: capMs - since }; // the pause being honoured
    if (since >= HONOUR_AGAIN_AFTER * capMs) {
      this.honouredAt = now;
      const line = said.cap
        ? undefined
        : `the service asked to wait ${Math.round(retryAfterMs / 1000)} s (Retry-After); waiting ${Math.round(capMs / 1000)} s instead (--max-retry-after)`;
      said.cap = true;
      return { kind: "wait", retryAfterMs: capMs, ...(line ? { said: line } : {}) };
    }
    const line = said.ignore
      ? undefined
      : `the service asks again to wait ${Math.round(retryAfterMs / 1000)} s; a wait that long is taken as a hint, honoured once, not a schedule: the rate slows down instead, and the run stops if nothing gets through for ${Math.round(stallMs / 1000)} s`;
    said.ignore = true;
    return { kind: "wait", retryAfterMs: 0, ...(line ? { said: line } : {}) };
  }
}

const watches = new WeakMap<object, ThrottleWatch>();

/** The process's watch for one governor (one API's quota). */
export function throttleWatchFor(governor: object): ThrottleWatch {
  let w = watches.get(governor);
  if (!w) {
    w = new ThrottleWatch();
    watches.set(governor, w);
  }
  return w;
}
