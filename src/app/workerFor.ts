import { BackfillWorker, type BackfillWorkerOptions } from "../worker/BackfillWorker.js";
import type { AppContext } from "./context.js";

/** A worker configured from the command's config; `extra` adds a client or callbacks. */
export function workerFor(ctx: AppContext, extra: Partial<BackfillWorkerOptions> = {}): BackfillWorker {
  const { config } = ctx;
  return new BackfillWorker({
    redis: ctx.redis,
    keys: ctx.keys,
    log: ctx.log,
    rate: config.rate,
    rateGiven: config.rateGiven,
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
