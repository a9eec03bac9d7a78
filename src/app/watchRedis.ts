import type { Redis } from "ioredis";

/**
 * Says once when a long-lived connection loses Redis (a restart, a failover) and
 * once when it answers again, with how long it was away. Commands wait for it
 * meanwhile (the connection retries for ever): nothing is lost, and the command
 * goes on where it was. Returns a function that stops watching.
 */
export function watchRedis(redis: Redis, say: (line: string) => void): () => void {
  let awaySince: number | undefined;
  const away = () => {
    if (awaySince !== undefined) return;
    awaySince = Date.now();
    say("Redis does not answer (restarting, failing over, or unreachable); waiting for it: nothing is lost, and this goes on where it was once it is back");
  };
  const back = () => {
    if (awaySince === undefined) return;
    say(`Redis answers again after ${Math.max(1, Math.round((Date.now() - awaySince) / 1000))} s; going on`);
    awaySince = undefined;
  };
  redis.on("close", away);
  redis.on("reconnecting", away);
  redis.on("ready", back);
  return () => {
    redis.off("close", away);
    redis.off("reconnecting", away);
    redis.off("ready", back);
  };
}
