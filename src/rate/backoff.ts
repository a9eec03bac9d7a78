export interface BackoffOptions {
  readonly baseMs: number;
  readonly capMs: number;
  /** Injectable for tests; Math.random in production. */
  readonly random?: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({ baseMs: 200, capMs: 20_000 });

/**
 * Full-jitter exponential backoff (as the AWS SDK does): a delay drawn evenly from
 * [0, min(cap, base * 2^(attempt-1))]. Jitter keeps many workers that failed
 * together from retrying together; the cap keeps a long outage from turning into
 * hour-long sleeps. `attempt` is the attempt that just failed, from 1.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF): number {
  const random = opts.random ?? Math.random;
  const exp = Math.min(opts.capMs, opts.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  return Math.floor(random() * exp);
}
