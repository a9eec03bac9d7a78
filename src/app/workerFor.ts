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
    // Pinned: the client calls exactly the target it compares with a run's (AWS_ENDPOINT_URL included), never
    // an endpoint the SDK would find on its own (a profile's endpoint_url) for a run queued for AWS's own.
    endpoint: config.target.endpoint ?? config.endpoint,
    pinned: true,
    // The Region the worker compares with a run's is the one it signs with (AWS_DEFAULT_REGION counts as the
    // command's Region, and the SDK would not read it).
    region: config.target.region ?? config.region,
    lockDurationMs: config.lockDurationMs,
    target: config.target,
    ...(config.onlyRuns.length > 0 ? { runs: config.onlyRuns } : {}),
    ...extra,
  });
}
