import { ConfigError } from "./ConfigError.js";
import { option, REDIS_COMMANDS } from "./Option.js";

/** ioredis reads redis:// and rediss:// URLs (and a socket path); any other scheme would fail later as "connect ENOENT". */
function parseRedisUrl(v: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(v.trim())?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== "redis" && scheme !== "rediss") {
    throw new ConfigError(`--redis-url (REDIS_URL) must be a redis:// or rediss:// URL (rediss for TLS), got "${scheme}://…"`);
  }
  const db = /^rediss?:\/\/[^/?#]*\/([^?#]*)/i.exec(v.trim())?.[1];
  if (db !== undefined && db !== "" && !/^\d{1,5}$/.test(db)) {
    throw new ConfigError(`--redis-url (REDIS_URL) may end in a database number such as /0, got "/${db}"`);
  }
  return v;
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

/** Where the queue lives, and how a process says what it does. */
export const REDIS_OPTIONS = {
  redisUrl: option({
    flag: "redis-url",
    type: "string",
    value: "URL",
    env: "REDIS_URL",
    default: "redis://127.0.0.1:6379",
    help: "Redis (default: REDIS_URL, else {default})",
    doc: "Redis ≥ 6.2 with `maxmemory-policy noeviction`; `rediss://` for TLS (see [running-at-scale.md](running-at-scale.md#redis))",
    commands: REDIS_COMMANDS,
    parse: parseRedisUrl,
  }),
  /** `redisUrl` is a seed node of a Redis Cluster; the prefix then has a hash tag (checked by loadConfig). */
  redisCluster: option({
    flag: "redis-cluster",
    type: "boolean",
    value: "",
    env: "REDIS_CLUSTER",
    default: false,
    help: "REDIS_URL is a seed node of a Redis Cluster (env REDIS_CLUSTER=true); needs a hash-tagged --prefix such as {cb}",
    doc: "`REDIS_URL` is a seed node of a Redis Cluster (needs a hash-tagged `--prefix`)",
    commands: REDIS_COMMANDS,
    parse: (v) => v,
  }),
  /** Key prefix for every Redis key (BullMQ's included). Use a hash tag such as `{cb}` on Redis Cluster. */
  prefix: option({
    flag: "prefix",
    type: "string",
    value: "P",
    env: "CONNECT_BACKFILL_PREFIX",
    default: "cb",
    help: "key prefix on Redis; {cb} style on a cluster (default {default})",
    doc: "Redis key prefix; with `--redis-cluster` it must hold a hash tag such as `{cb}`",
    commands: REDIS_COMMANDS,
    parse: (v) => v,
  }),
  skipRedisChecks: option({
    flag: "skip-redis-checks",
    type: "boolean",
    value: "",
    default: false,
    help: "do not refuse an old or evicting Redis",
    doc: "skip the Redis version and eviction-policy checks",
    commands: REDIS_COMMANDS,
    parse: (v) => v,
  }),
  logLevel: option({
    flag: "log-level",
    type: "string",
    value: "LEVEL",
    env: "LOG_LEVEL",
    help: "fatal|error|warn|info|debug|trace|silent (default info; warn on a terminal)",
    doc: "pino level; logs are JSON on stderr",
    docDefault: "`info` (`warn` on a terminal)",
    commands: [...REDIS_COMMANDS, "simulate"],
    parse: (v, ctx) => {
      // On a terminal the progress line is the record; JSON info logs would only garble it.
      const level = v ?? (ctx.interactive ? "warn" : "info");
      if (!LOG_LEVELS.includes(level)) throw new ConfigError(`--log-level must be one of ${LOG_LEVELS.join(", ")}, got "${level}"`);
      return level;
    },
  }),
};
