import type { Redis } from "ioredis";
import { RedisUnavailableError } from "./redisConnection.js";

/**
 * BullMQ needs Redis >= 6.2, and any eviction policy but `noeviction` can silently
 * drop queued rows or outcomes under memory pressure. Managed services may forbid
 * CONFIG: then the policy cannot be checked and is left to the operator.
 */
export async function checkRedis(redis: Redis): Promise<void> {
  const info = await redis.info("server");
  const version = /redis_version:(\d+)\.(\d+)/.exec(info);
  if (version) {
    const [major, minor] = [Number(version[1]), Number(version[2])];
    if (major < 6 || (major === 6 && minor < 2)) {
      throw new RedisUnavailableError(`Redis ${major}.${minor} is too old; connect-backfill needs Redis 6.2 or newer (or pass --skip-redis-checks).`);
    }
  }
  let policy: string | undefined;
  try {
    const res = (await redis.config("GET", "maxmemory-policy")) as string[];
    policy = res[1];
  } catch {
    return;
  }
  if (policy && policy !== "noeviction") {
    throw new RedisUnavailableError(`Redis maxmemory-policy is "${policy}", which can evict queued rows; set it to noeviction (or pass --skip-redis-checks).`);
  }
}
