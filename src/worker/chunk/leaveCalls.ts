import type { Executor } from "./Executor.js";

/**
 * Settling only, ahead of the queue: the producer of a job that sends only what changed settles a chunk's
 * rows that need no call (unchanged, expired, before the API) with the workers' own rules, and leaves the
 * rows of every call to a worker, which takes the chunk and skips the rows settled here. Nothing is sent,
 * read or described; `leave` hears the lines of each call left.
 */
export function leaveCalls(leave: (lines: readonly number[]) => void): Executor {
  return {
    execute(calls) {
      for (const call of calls) leave(call.rows.map((r) => r.line));
      return undefined;
    },
    async finish() {},
  };
}
