import { DEFAULT_RATE } from "../config/paceOptions.js";
import { BackfillWorker, type BackfillWorkerOptions } from "../worker/BackfillWorker.js";
import type { AppContext } from "./context.js";

/** A worker configured from the command's config; `extra` adds a client or callbacks. */
export function workerFor(ctx: AppContext, extra: Partial<BackfillWorkerOptions> = {}): BackfillWorker {
  const { config } = ctx;
  return new BackfillWorker({
    redis: ctx.redis,
    keys: ctx.keys,
    log: ctx.log,
    // Not given: the account's quota (Service Quotas) is the ceiling, DEFAULT_RATE when it cannot be read.
    rate: config.rate ?? DEFAULT_RATE,
    rateGiven: config.rate !== undefined,
    quotasEndpoint: config.quotasEndpoint,
    headroom: config.headroom,
    concurrency: config.concurrency,
    chunkSize: config.chunkSize,
    policy: { maxAttempts: config.maxAttempts, maxTries: config.maxTries, maxRetryAfterMs: config.maxRetryAfterMs, callDeadlineMs: config.requestTimeoutMs },
    requestTimeoutMs: config.requestTimeoutMs,
    endpoint: config.endpoint,
    region: config.region,
    lockDurationMs: config.lockDurationMs,
    target: config.target,
    ...(config.onlyRuns.length > 0 ? { runs: config.onlyRuns } : {}),
    ...extra,
  });
}
