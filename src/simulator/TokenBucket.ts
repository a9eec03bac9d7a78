/**
 * Token bucket modelling one Connect API quota ("rate" requests/s refilled continuously, up to "burst"
 * banked). Pure: time comes from an injected clock so the arithmetic can be tested without waiting.
 */

export type Clock = () => number;

/**
 * The bursts Amazon Connect documents for these APIs (shared/reference/connect-api.md, "Throttling
 * quotas"): 10 requests/s with a burst of about 15 today, 2 requests/s with a burst of 5 on older accounts.
 */
const DOCUMENTED_BURSTS = new Map<number, number>([
  [10, 15],
  [2, 5],
]);

/**
 * Burst when only a rate is given: the documented burst for a documented rate, otherwise the documented
 * ratio of today's default (15 / 10 = 1.5 x rate, rounded up). The reference states no rule for other
 * (raised) quotas, so this is an extrapolation; pass a burst explicitly when a test depends on it.
 */
export function defaultBurst(rate: number): number {
  return DOCUMENTED_BURSTS.get(rate) ?? Math.max(1, Math.ceil(rate * 1.5));
}

/** null, undefined or 0 mean "no quota": every request passes. */
export function isUnlimited(rate: number | null | undefined): rate is null | undefined | 0 {
  return rate === null || rate === undefined || rate === 0;
}

export class TokenBucket {
  private ratePerMs = 0;
  private capacity = 0;
  private tokens = 0;
  private last: number;
  private unlimited = true;

  constructor(
    rate: number | null | undefined,
    burst?: number,
    private readonly now: Clock = Date.now,
  ) {
    this.last = now();
    // Starts from "unlimited", so configure() fills the bucket: a fresh quota starts full, as it does
    // for an account that has been idle.
    this.configure(rate, burst);
  }

  get rate(): number | null {
    return this.unlimited ? null : this.ratePerMs * 1000;
  }

  get burst(): number {
    return this.capacity;
  }

  /**
   * Changes the quota mid-run. Tokens earned so far are settled at the old rate first, then clamped to
   * the new burst, so lowering the limit bites at once and raising it does not hand out a free burst.
   */
  configure(rate: number | null | undefined, burst?: number): void {
    this.refill();
    if (isUnlimited(rate)) {
      this.unlimited = true;
      this.ratePerMs = 0;
      this.capacity = Infinity;
      this.tokens = Infinity;
      return;
    }
    const wasUnlimited = this.unlimited;
    this.unlimited = false;
    this.ratePerMs = rate / 1000;
    this.capacity = burst ?? defaultBurst(rate);
    this.tokens = wasUnlimited ? this.capacity : Math.min(this.tokens, this.capacity);
  }

  /** Takes one token if available. A refused request takes nothing, so hammering does not starve later calls. */
  tryTake(): boolean {
    if (this.unlimited) return true;
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  /** Tokens currently banked (fractional); Infinity when unlimited. */
  available(): number {
    this.refill();
    return this.tokens;
  }

  private refill(): void {
    const t = this.now();
    const elapsed = t - this.last;
    this.last = t;
    // A clock that steps backwards must not drain the bucket.
    if (this.unlimited || elapsed <= 0) return;
    this.tokens = Math.min(this.capacity, this.tokens + elapsed * this.ratePerMs);
  }
}
