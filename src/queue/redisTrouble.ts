import { BackfillError } from "../lib/errors.js";

/**
 * Errors that say Redis cannot take a command right now, not that the command
 * or the chunk is wrong: they must never use up a chunk's attempts or stop a
 * worker. Told apart by the server's reply prefix or the client's own message.
 */
export type RedisTrouble = "full" | "read-only" | "unavailable";

const FULL = /^OOM\b/;
const READ_ONLY = /^READONLY\b/;
const UNAVAILABLE =
  /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|MISCONF)\b|Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|MaxRetriesPerRequest|Reached the max retries|Command timed out/;

export function redisTrouble(err: unknown): RedisTrouble | undefined {
  if (!(err instanceof Error)) return undefined;
  // A MULTI refused as a whole names its cause in the errors before it.
  const previous = (err as { previousErrors?: unknown[] }).previousErrors;
  if (/^EXECABORT\b/.test(err.message) && Array.isArray(previous)) {
    for (const p of previous) {
      const t = redisTrouble(p);
      if (t) return t;
    }
  }
  const text = err.message;
  if (FULL.test(text)) return "full";
  if (READ_ONLY.test(text)) return "read-only";
  if (UNAVAILABLE.test(text) || err.name === "MaxRetriesPerRequestError") return "unavailable";
  return undefined;
}

/** One sentence for the log and the terminal; never the command's arguments (they hold rows' values). */
export function troubleMessage(kind: RedisTrouble): string {
  switch (kind) {
    case "full":
      return "Redis is full (maxmemory reached, and it evicts nothing) and refuses writes: raise maxmemory or free memory (connect-backfill prune removes finished runs)";
    case "read-only":
      return "Redis is a read-only replica and refuses writes: point REDIS_URL at the primary";
    case "unavailable":
      return "Redis does not answer (restarting, loading its data, or unreachable)";
  }
}

/** A command Redis refused, said in one sentence with what to do next. */
export class RedisRefusedError extends BackfillError {
  override readonly name = "RedisRefusedError";
  readonly code = "redis-refused";
}

/** A run known a moment ago whose hash is gone: not a prune (that takes finished runs only), so Redis lost it. */
export function runLostMessage(runId: string): string {
  return `run ${runId} is gone from Redis while it was not finished: Redis lost its data (restarted without persistence, flushed, or its keys deleted), and with it what was queued and not yet reported; queue its file again as a new run (rows already applied are applied again with the same values)`;
}
