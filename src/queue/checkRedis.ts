import type { Cluster, Redis } from "ioredis";
import { RedisUnavailableError } from "./redisConnection.js";

/**
 * BullMQ needs Redis >= 6.2, and any eviction policy but `noeviction` can silently
 * drop queued rows or outcomes under memory pressure. Managed services may forbid
 * CONFIG: then the policy cannot be checked and is left to the operator.
 *
 * On a Redis Cluster every master is asked: the project's keys live on one of
 * them (one hash slot), but which one moves with resharding and failovers.
 */
export async function checkRedis(redis: Redis): Promise<void> {
  if (redis.isCluster) {
    const masters = (redis as unknown as Cluster).nodes("master");
    for (const node of masters) await checkServer(node, ` on cluster node ${node.options.host}:${node.options.port}`);
    return;
  }
  // A node of a cluster of several masters answers MOVED for most keys: said now, not in the middle of a run.
  // (A one-shard cluster, such as a small MemoryDB, holds every slot and works as one Redis.)
  const enabled = /cluster_enabled:1/.test(await redis.info("cluster").catch(() => ""));
  const size = enabled ? /cluster_size:(\d+)/.exec(String(await redis.cluster("INFO").catch(() => "")))?.[1] : undefined;
  if (size !== undefined && Number(size) > 1) {
    throw new RedisUnavailableError(
      `This Redis is a node of a Redis Cluster of ${size} masters; pass --redis-cluster (REDIS_CLUSTER=true) with a hash-tagged --prefix such as {cb} (or pass --skip-redis-checks).`,
    );
  }
  await checkServer(redis, "");
}

async function checkServer(redis: Redis, where: string): Promise<void> {
  const info = await redis.info("server");
  const version = /redis_version:(\d+)\.(\d+)/.exec(info);
  if (version) {
    const [major, minor] = [Number(version[1]), Number(version[2])];
    if (major < 6 || (major === 6 && minor < 2)) {
      throw new RedisUnavailableError(`Redis ${major}.${minor}${where} is too old; connect-backfill needs Redis 6.2 or newer (or pass --skip-redis-checks).`);
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
    throw new RedisUnavailableError(
      `Redis maxmemory-policy is "${policy}"${where}, which can evict queued rows; set it to noeviction (or pass --skip-redis-checks).`,
    );
  }
}
