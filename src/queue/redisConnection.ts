import { Redis, type RedisOptions } from "ioredis";

/** What Redis answers a wrong or missing password with (the connection is then closed: "Connection is closed"). */
const AUTH_FAILURE = /WRONGPASS|NOAUTH|invalid password|invalid username-password|ERR AUTH/i;

export class RedisUnavailableError extends Error {
  override readonly name = "RedisUnavailableError";
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
 * `long-lived` connections (workers) retry forever and never fail a command while
 * Redis restarts, as BullMQ requires (`maxRetriesPerRequest: null`). `command`
 * connections (enqueue, status, report) fail fast with one clear sentence.
 */
export async function connectRedis(url: string, kind: "long-lived" | "command"): Promise<Redis> {
  const base: RedisOptions =
    kind === "long-lived"
      ? { maxRetriesPerRequest: null, enableReadyCheck: true, retryStrategy: (n) => Math.min(n * 200, 5_000) }
      : { maxRetriesPerRequest: 3, connectTimeout: 5_000, retryStrategy: (n) => (n > 3 ? null : n * 200) };
  let redis: Redis;
  try {
    redis = new Redis(url, { ...base, lazyConnect: true });
  } catch (err) {
    throw new RedisUnavailableError(`REDIS_URL is not a valid Redis URL (${(err as Error).message}).`);
  }
  let lastError: Error | undefined;
  redis.on("error", (err: Error) => {
    // Reported through the failing command or the ping below; kept to tell an authentication failure apart.
    lastError = err;
  });
  try {
    await withTimeout(redis.connect(), 6_000);
    await withTimeout(redis.ping(), 6_000);
  } catch (err) {
    redis.disconnect();
    const auth = [err as Error, lastError].find((e) => e && AUTH_FAILURE.test(e.message));
    if (auth) {
      throw new RedisUnavailableError(`Redis at ${safeRedisUrl(url)} refused the password (${auth.message.split(" ")[0]}); check the password in REDIS_URL.`);
    }
    throw new RedisUnavailableError(
      `Cannot reach Redis at ${safeRedisUrl(url)} (${(err as Error).message}); start one (docker compose up -d redis) or set REDIS_URL.`,
    );
  }
  return redis;
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
