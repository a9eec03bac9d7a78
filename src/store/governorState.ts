import type { Redis } from "ioredis";
import { GOVERNOR, type Keys } from "./keys.js";

/** What an API's rate governor last settled on, as `status` and a dry run show it (the governor itself is rate/). */
export interface GovernorReading {
  /** The rate in force, requests/s. */
  readonly rate: string | null;
  /** What the service served when it last said no. */
  readonly safe: string | null;
  /** The rate sent when it last said no (overstates it by the burst it let through). */
  readonly wmax: string | null;
}

export async function readGovernor(redis: Redis, keys: Keys, api: string): Promise<GovernorReading> {
  const [rate, safe, wmax] = await redis.hmget(keys.governor(api), GOVERNOR.rate, GOVERNOR.safe, GOVERNOR.wmax);
  return { rate: rate ?? null, safe: safe ?? null, wmax: wmax ?? null };
}
