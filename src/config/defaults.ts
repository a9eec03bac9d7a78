/** Defaults merged once into the frozen config; documented in README's table. */
export const DEFAULTS = Object.freeze({
  redisUrl: "redis://127.0.0.1:6379",
  prefix: "cb",
  rate: 10,
  /** The quota is the account's: a tenth of what is found safe stays with the contact center's own flows. */
  headroom: 0.1,
  concurrency: 16,
  reportsDir: "./reports",
  /** A few MB of rows in Redis (4 MB in the bench), whatever the file's size; tens of seconds of work ahead of the workers. */
  queueWindow: 50_000,
  chunkSize: 500,
  maxAttempts: 5,
  maxTries: 40,
  /** Seconds: the longest Retry-After obeyed (a throttle pauses every worker on the prefix). */
  maxRetryAfterS: 60,
  logLevel: "info",
  shutdownTimeoutMs: 20_000,
  requestTimeoutMs: 10_000,
  breakerWindow: 1000,
  breakerRatio: 0.5,
  /** Rows failing with credential errors (401/403) that stop a run at once. */
  breakerAuth: 5,
  /** Consecutive rows failing without a service answer (refused, DNS, TLS, timeouts, 5xx) that stop a run. */
  breakerConsecutive: 25,
  /** Connect keeps a contact and its attributes for 24 months after it started. */
  maxContactAge: "24mo",
  lockDurationMs: 15_000,
});
