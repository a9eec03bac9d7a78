import type { Redis } from "ioredis";
import { GOVERNOR, type Keys } from "./keys.js";

/** What an API's rate governor last settled on, as `status` and a dry run show it (the governor itself is rate/). */
export interface GovernorReading {
  /** The quota's scope the figures belong to (rate/quotaScope.ts), e.g. `us-east-1@123456789012`. */
  readonly scope: string;
  /** The rate in force, requests/s. */
  readonly rate: string | null;
  /** What the service served when it last said no. */
  readonly safe: string | null;
  /** The rate sent when it last said no (overstates it by the burst it let through). */
  readonly wmax: string | null;
  /** When a worker last used these figures (epoch ms), or null when there are none. */
  readonly at: number | null;
}

const DAY_MS = 86_400_000;

/**
 * The workers of a target say which scope they pace under (an AWS target's account is only known to them,
 * from Service Quotas), so that `status` and a dry run, which know the run's target, read the same figures.
 */
export async function recordScope(redis: Redis, keys: Keys, target: string, scope: string): Promise<void> {
  await redis.multi().hset(keys.rateScopes, target, scope).pexpire(keys.rateScopes, DAY_MS).exec();
}

/** The governor figures of `api` for a target (its own scope when no worker said another). */
export async function readGovernor(redis: Redis, keys: Keys, target: string, api: string): Promise<GovernorReading> {
  const scope = (await redis.hget(keys.rateScopes, target)) ?? target;
  const [rate, safe, wmax, last] = await redis.hmget(keys.governor(scope, api), GOVERNOR.rate, GOVERNOR.safe, GOVERNOR.wmax, GOVERNOR.last);
  return { scope, rate: rate ?? null, safe: safe ?? null, wmax: wmax ?? null, at: last ? Number(last) : null };
}
