import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Config } from "../config/loadConfig.js";
import { createLogger, type Logger } from "../log/createLogger.js";
import { checkRedis } from "../queue/checkRedis.js";
import { keysFor, type Keys } from "../queue/keys.js";
import { connectRedis } from "../queue/redisConnection.js";
import { RunStore } from "../queue/RunStore.js";

export interface CommandContext {
  readonly config: Config;
  readonly log: Logger;
  readonly redis: Redis;
  readonly keys: Keys;
  readonly store: RunStore;
  readonly queue: Queue;
  close(): Promise<void>;
}

/** Redis, queue and run store for a command; checks the server once. */
export async function openContext(config: Config, kind: "long-lived" | "command", log = createLogger(config.logLevel)): Promise<CommandContext> {
  const redis = await connectRedis(config.redisUrl, kind);
  try {
    if (!config.skipRedisChecks) await checkRedis(redis);
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  const keys = keysFor(config.prefix);
  const queue = new Queue(keys.queue, { connection: redis, prefix: keys.prefix });
  queue.on("error", (err) => log.error({ err }, "queue error"));
  return {
    config,
    log,
    redis,
    keys,
    store: new RunStore(redis, keys),
    queue,
    async close() {
      await queue.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
