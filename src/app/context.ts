import type { Redis } from "ioredis";
import type { Config } from "../config/loadConfig.js";
import { createLogger, type Logger } from "../log/createLogger.js";
import { checkRedis } from "../queue/checkRedis.js";
import type { ChunkJobData } from "../queue/ChunkJob.js";
import { connectRedis } from "../queue/redisConnection.js";
import { RunQueues } from "../queue/RunQueues.js";
import { keysFor, type Keys } from "../store/keys.js";
import { RunStore } from "../store/RunStore.js";
import { within } from "../worker/within.js";

export interface AppContext {
  readonly config: Config;
  readonly log: Logger;
  readonly redis: Redis;
  readonly keys: Keys;
  readonly store: RunStore<ChunkJobData>;
  /** Producer-side handles on the runs' queues (one BullMQ queue per run). */
  readonly queues: RunQueues;
  close(): Promise<void>;
}

/** Redis, queue and run store for a command; checks the server once. */
export async function openContext(config: Config, kind: "long-lived" | "command", log = createLogger(config.logLevel)): Promise<AppContext> {
  const redis = await connectRedis(config.redisUrl, kind, { cluster: config.redisCluster });
  try {
    if (!config.skipRedisChecks) await checkRedis(redis);
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  const keys = keysFor(config.prefix);
  const queues = new RunQueues(redis, keys, (err) => log.error({ err }, "queue error"));
  return {
    config,
    log,
    redis,
    keys,
    store: new RunStore<ChunkJobData>(redis, keys),
    queues,
    async close() {
      // Bounded: with Redis down, QUIT on a retry-forever connection would wait for ever.
      await within(queues.close(), 2_000);
      await within(redis.quit(), 2_000);
      redis.disconnect();
    },
  };
}
