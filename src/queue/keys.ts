/**
 * Every Redis key the project uses, in one place. All keys share the prefix, so a
 * hash-tagged prefix such as `{cb}` puts them in one Redis Cluster slot (BullMQ's
 * Lua scripts and ours touch several keys at once).
 */
export function keysFor(prefix: string) {
  return {
    prefix,
    runs: `${prefix}:runs`,
    run: (runId: string) => `${prefix}:run:${runId}`,
    /** Stream of outcomes not yet written out by the report writer. */
    outcomes: (runId: string) => `${prefix}:run:${runId}:out`,
    /** One bit per input line: set once the line has its outcome. */
    done: (runId: string) => `${prefix}:run:${runId}:done`,
    parked: (runId: string) => `${prefix}:run:${runId}:parked`,
    /** `--capture-before`: what each contact held before the run's first write to it (first read wins). */
    beforeImages: (runId: string) => `${prefix}:run:${runId}:before`,
    timeline: (runId: string) => `${prefix}:run:${runId}:tl`,
    /** Circuit breaker: one bit per recent row sent (1 = failed), a ring of the run's window. */
    breaker: (runId: string) => `${prefix}:run:${runId}:brk`,
    /** Circuit breaker: failures per error code with an example line, since the last resume. */
    breakerCodes: (runId: string) => `${prefix}:run:${runId}:brkc`,
    /** The quota is per account, Region and API: one governor per API for all runs on this Redis. */
    governor: (api: string) => `${prefix}:rate:${api}`,
    /** A job's memory of what it last sent to each contact (`onlyChanged`): the prefix of its buckets. */
    changed: (job: string) => `${prefix}:changed:${job}`,
  };
}

export type Keys = ReturnType<typeof keysFor>;
