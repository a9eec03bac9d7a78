import type { ClusterOptions, Redis, RedisOptions } from "ioredis";
import { requirePackage } from "../lib/requirePackage.js";
import { BackfillError } from "../lib/errors.js";

const ioredis = requirePackage("ioredis") as typeof import("ioredis");

/** What Redis answers a wrong or missing password with (the connection is then closed: "Connection is closed"). */
const AUTH_FAILURE = /WRONGPASS|NOAUTH|invalid password|invalid username-password|ERR AUTH/i;
/** Errors that only say a connection ended, not why. */
const GENERIC = /^Connection is closed|refresh slots cache|None of startup nodes/i;
/** What a Redis without cluster mode answers CLUSTER SLOTS with. */
const NOT_A_CLUSTER = /cluster support disabled/i;

export class RedisUnavailableError extends BackfillError {
  override readonly name = "RedisUnavailableError";
  readonly code = "redis-unavailable";
}

/** The URL with any password replaced, for messages and logs. */
export function safeRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    // ioredis also takes the password from the query string.
    for (const key of [...u.searchParams.keys()]) if (/pass|secret|token/i.test(key)) u.searchParams.set(key, "***");
    return u.toString();
  } catch {
    return "(unparseable REDIS_URL)";
  }
}

/**
 * A Redis Cluster's seed node from a `redis://` or `rediss://` URL, and what every
 * node needs (the cluster finds the other nodes itself, without the URL): user,
 * password, TLS, and any `?name=value` option, as ioredis reads them for one Redis.
 */
export function clusterSeedOf(url: string): { host: string; port: number; tls: boolean; redisOptions: RedisOptions } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RedisUnavailableError("REDIS_URL is not a valid Redis URL (redis://host:port or rediss://host:port).");
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") {
    throw new RedisUnavailableError(`REDIS_URL must start with redis:// or rediss:// for --redis-cluster, got ${safeRedisUrl(url)}.`);
  }
  const db = u.pathname.replace(/^\/+/, "");
  if (db !== "" && db !== "0") {
    throw new RedisUnavailableError(`a Redis Cluster has only database 0, but REDIS_URL names database ${db}: drop "/${db}" from it (a --prefix keeps runs apart).`);
  }
  const redisOptions: Record<string, unknown> = {};
  for (const [key, value] of u.searchParams) redisOptions[key] = key === "family" ? Number(value) : value;
  if (u.username) redisOptions.username = decodeURIComponent(u.username);
  if (u.password) redisOptions.password = decodeURIComponent(u.password);
  const tls = u.protocol === "rediss:";
  // As ioredis documents for managed clusters (ElastiCache, MemoryDB): TLS on every node.
  if (tls) redisOptions.tls = {};
  return { host: u.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1", port: Number(u.port || 6379), tls, redisOptions: redisOptions as RedisOptions };
}

/**
 * `long-lived` connections (workers) retry forever and never fail a command while
 * Redis restarts, as BullMQ requires (`maxRetriesPerRequest: null`). `command`
 * connections (enqueue, status, report) fail fast with one clear sentence.
 *
 * With `cluster`, the URL is a seed node of a Redis Cluster (ElastiCache or
 * MemoryDB with cluster mode, or a self-run one): the same two behaviours, by
 * the cluster's own retry strategy and its nodes' options.
 */
export async function connectRedis(url: string, kind: "long-lived" | "command", opts: { cluster?: boolean } = {}): Promise<Redis> {
  const base: RedisOptions =
    kind === "long-lived"
      ? { maxRetriesPerRequest: null, enableReadyCheck: true, retryStrategy: (n) => Math.min(n * 200, 5_000) }
      : { maxRetriesPerRequest: 3, connectTimeout: 5_000, retryStrategy: (n) => (n > 3 ? null : n * 200) };
  const cluster = opts.cluster === true;
  let redis: Redis;
  try {
    redis = cluster ? openCluster(url, kind, base) : new ioredis.Redis(url, { ...base, lazyConnect: true });
  } catch (err) {
    if (err instanceof RedisUnavailableError) throw err;
    throw new RedisUnavailableError(`REDIS_URL is not a valid Redis URL (${(err as Error).message}).`);
  }
  const errors: Error[] = [];
  const keep = (err: Error) => {
    // Reported through the failing command or the ping below; kept to tell an authentication failure apart.
    errors.push(err);
    if (errors.length > 20) errors.shift();
  };
  redis.on("error", keep);
  // A cluster tells each node's failure apart (the cluster's own error is "Failed to refresh slots cache").
  if (cluster) redis.on("node error", keep);
  try {
    await withTimeout(redis.connect(), 6_000);
    await withTimeout(redis.ping(), 6_000);
    refuseMissingDb(redis, url, errors);
  } catch (err) {
    if (err instanceof RedisUnavailableError) {
      redis.disconnect();
      throw err;
    }
    redis.disconnect();
    const seen = [err as Error, ...errors].flatMap((e) => [e, (e as { lastNodeError?: Error }).lastNodeError]).filter((e): e is Error => e instanceof Error);
    const auth = seen.find((e) => AUTH_FAILURE.test(e.message));
    if (auth) {
      throw new RedisUnavailableError(`Redis at ${safeRedisUrl(url)} refused the password (${auth.message.split(" ")[0]}); check the password in REDIS_URL.`);
    }
    if (cluster && seen.some((e) => NOT_A_CLUSTER.test(e.message))) {
      throw new RedisUnavailableError(
        `Redis at ${safeRedisUrl(url)} is not a Redis Cluster (cluster support disabled); drop --redis-cluster (REDIS_CLUSTER) or point REDIS_URL at a cluster node.`,
      );
    }
    const what = cluster ? "the Redis Cluster" : "Redis";
    // "Connection is closed", or a cluster's "Failed to refresh slots cache.", say little: the error before it says why (a refused port, an untrusted certificate).
    const why = seen.find((e) => !GENERIC.test(e.message))?.message ?? (cluster ? "no node answered" : (err as Error).message);
    throw new RedisUnavailableError(
      `Cannot reach ${what} at ${safeRedisUrl(url)} (${why.replace(/\.$/, "")}); start one (docker compose up -d redis) or set REDIS_URL.`,
    );
  }
  return redis;
}

/**
 * An ioredis Cluster for the seed node at `url`, with `base`'s behaviour: the
 * cluster-wide retry comes from its `retryStrategy`, the per-command one from
 * its nodes' options (BullMQ reads `redisOptions.maxRetriesPerRequest` too).
 * With the whole cluster unreachable, commands wait in the cluster's offline
 * queue while it reconnects; with one master down (a restart, a failover), a
 * command is retried every `retryDelayOnFailover` ms, `maxRedirections` times
 * in all: ioredis's 100 ms × 16 would fail a worker's commands in a second and a
 * half, so long-lived connections wait about a minute, as for one Redis.
 */
function openCluster(url: string, kind: "long-lived" | "command", base: RedisOptions): Redis {
  const seed = clusterSeedOf(url);
  const { retryStrategy, ...nodeOptions } = base;
  const options: ClusterOptions = {
    lazyConnect: true,
    enableReadyCheck: true,
    // Managed clusters over TLS answer the first CLUSTER SLOTS slower than ioredis's 1 s default.
    slotsRefreshTimeout: 3_000,
    clusterRetryStrategy: (times) => retryStrategy?.(times) ?? null,
    ...(kind === "long-lived" ? { retryDelayOnFailover: 1_000, retryDelayOnClusterDown: 1_000, retryDelayOnTryAgain: 1_000, maxRedirections: 60 } : {}),
    redisOptions: { ...seed.redisOptions, ...nodeOptions },
    // With TLS, nodes are reached by the names the cluster gives, so certificates match (ioredis's advice for ElastiCache).
    ...(seed.tls ? { dnsLookup: (address: string, callback: (err: Error | null, address: string) => void) => callback(null, address) } : {}),
  };
  // A Cluster speaks every command the project sends (defineCommand, eval, multi and
  // pipelines on one hash slot, BullMQ's blocking ones) but is not a subclass of
  // Redis: the rest of the code types the connection as Redis, and this is the one
  // place a Cluster is made. BullMQ's `connection` takes either.
  return new ioredis.Cluster([{ host: seed.host, port: seed.port }], options) as unknown as Redis;
}

/**
 * `redis://host/N` selects database N; ioredis says a SELECT the server refuses only as an error event
 * and goes on in database 0, where the runs would silently mix with others'. Refused instead.
 */
function refuseMissingDb(redis: Redis, url: string, errors: readonly Error[]): void {
  const db = redis.options?.db ?? 0;
  if (db === 0 || redis.isCluster) return;
  const refused = errors.find((e) => /DB index|SELECT/i.test(e.message));
  if (refused) {
    throw new RedisUnavailableError(
      `Redis at ${safeRedisUrl(url)} has no database ${db} (${refused.message.replace(/\.$/, "")}); give REDIS_URL a database number the server has (0 up to its "databases" setting, 16 by default, minus one).`,
    );
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
