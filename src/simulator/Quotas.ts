/**
 * One token bucket per operation: Connect's quotas are per API (per account and Region), so throttling
 * UpdateContact must not slow UpdateContactAttributes, and each may have its own rate and burst.
 */
import { OPERATIONS, type Operation } from "./model.js";
import { TokenBucket, type Clock } from "./TokenBucket.js";

export interface QuotaSetting {
  /** Requests per second; null = unlimited. */
  rate: number | null;
  /** Bucket size; undefined = the documented default for the rate (see defaultBurst). */
  burst: number | undefined;
}

/** What a quota is now: rate null and burst null when unlimited. */
export interface QuotaState {
  rate: number | null;
  burst: number | null;
}

export class Quotas {
  private readonly buckets: Record<Operation, TokenBucket>;

  constructor(all: QuotaSetting, overrides: Partial<Record<Operation, QuotaSetting>> = {}, now: Clock = Date.now) {
    const make = (op: Operation) => {
      const q = overrides[op] ?? all;
      return new TokenBucket(q.rate, q.burst, now);
    };
    this.buckets = {
      UpdateContactAttributes: make("UpdateContactAttributes"),
      GetContactAttributes: make("GetContactAttributes"),
      DescribeContact: make("DescribeContact"),
      UpdateContact: make("UpdateContact"),
    };
  }

  /** Takes a token for one request; false means answer 429. */
  take(operation: Operation): boolean {
    return this.buckets[operation].tryTake();
  }

  /** Changes one operation's quota, or every operation's when none is named. */
  set(setting: QuotaSetting, operation?: Operation): void {
    const ops = operation === undefined ? OPERATIONS : [operation];
    for (const op of ops) this.buckets[op].configure(setting.rate, setting.burst);
  }

  snapshot(): Record<Operation, QuotaState> {
    const state = (b: TokenBucket): QuotaState => (b.rate === null ? { rate: null, burst: null } : { rate: b.rate, burst: b.burst });
    return {
      UpdateContactAttributes: state(this.buckets.UpdateContactAttributes),
      GetContactAttributes: state(this.buckets.GetContactAttributes),
      DescribeContact: state(this.buckets.DescribeContact),
      UpdateContact: state(this.buckets.UpdateContact),
    };
  }
}
