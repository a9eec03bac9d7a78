/**
 * Every Redis key and hash field the project uses, in one place. All keys share the
 * prefix, so a hash-tagged prefix such as `{cb}` puts them in one Redis Cluster slot
 * (BullMQ's Lua scripts and ours touch several keys at once). BullMQ names its own
 * keys under the same prefix (`<prefix>:chunks.<runId>:…`).
 */
export function keysFor(prefix: string) {
  return {
    prefix,
    /** Sorted set of run ids, scored by creation time. */
    runs: `${prefix}:runs`,
    /** `check`'s probe that Redis takes a write: set and deleted at once (expires in seconds if not). */
    writeProbe: (id: string) => `${prefix}:check:${id}`,
    /** A run's hash: its manifest, state and counters (fields: RUN). */
    run: (runId: string) => `${prefix}:run:${runId}`,
    /** Stream of outcomes not yet written out by the report writer (field: OUTCOME_FIELD). */
    outcomes: (runId: string) => `${prefix}:run:${runId}:out`,
    /** One bit per input line: set once the line has its outcome. */
    done: (runId: string) => `${prefix}:run:${runId}:done`,
    /** List of a stopped or paused run's chunks (JSON), until `resume`. */
    parked: (runId: string) => `${prefix}:run:${runId}:parked`,
    /** One bit per line whose write call was handed to the HTTP handler: `cancel` tells "may have been sent" from "not sent". */
    sending: (runId: string) => `${prefix}:run:${runId}:snd`,
    /** `--canary`: the lines that hold a place (line → 1), and those of them not yet seen with an outcome. */
    canaryLeases: (runId: string) => `${prefix}:run:${runId}:cnl`,
    canaryOpen: (runId: string) => `${prefix}:run:${runId}:cno`,
    /** Canary calls past their last look at the run's state and not yet answered (token → expiry, epoch ms): a pause waits for them. */
    canaryFlying: (runId: string) => `${prefix}:run:${runId}:cnf`,
    /** The run's own pace (RunManifest.rate): a governor's state every worker of the run shares. */
    pace: (runId: string) => `${prefix}:run:${runId}:pace`,
    /** `--capture-before`: what each contact held before the run's first write to it (first read wins). */
    beforeImages: (runId: string) => `${prefix}:run:${runId}:before`,
    /** Calls per second (fields: timelineField). */
    timeline: (runId: string) => `${prefix}:run:${runId}:tl`,
    /** Circuit breaker: one bit per recent row sent (1 = failed), a ring of the run's window. */
    breaker: (runId: string) => `${prefix}:run:${runId}:brk`,
    /** Circuit breaker: failures per error code with an example line, since the last resume (fields: BREAKER_CODES). */
    breakerCodes: (runId: string) => `${prefix}:run:${runId}:brkc`,
    /**
     * The quota is per account, Region and API: one governor per scope (rate/quotaScope.ts) and API for all
     * runs on this Redis aimed there (fields: GOVERNOR, and rate/governorScripts.ts). Kept a day after its last use.
     */
    governor: (scope: string, api: string) => `${prefix}:rate:${scope}:${api}`,
    /** Which scope the workers of a target last used (field: the target's own scope, without account; value: RATE_SCOPE JSON). */
    rateScopes: `${prefix}:rate-scopes`,
    /** A job's memory of what it last sent to each contact (`onlyChanged`): the prefix of its buckets (changedBucket). */
    changed: (job: string) => `${prefix}:changed:${job}`,
    /** Sorted set of a job's past runs (score: end time). */
    history: (job: string) => `${prefix}:history:${job}`,
    /** Set of the job names with a history. */
    jobs: `${prefix}:jobs`,
    /** The run a job started last and when: "<runId> <epoch ms>". */
    jobCurrent: (job: string) => `${prefix}:job:${job}:current`,
    /** Set once when a job's run ended (its history line and webhook go out once). */
    jobEnded: (runId: string) => `${prefix}:job-ended:${runId}`,
    /** Set once when a job's run paused (its webhook is told once). */
    jobPaused: (runId: string) => `${prefix}:job-paused:${runId}`,
  };
}

export type Keys = ReturnType<typeof keysFor>;

/** A change memory's bucket: the memory's prefix (keys.changed) and the bucket number in hex. */
export function changedBucket(memoryPrefix: string, hex: string): string {
  return `${memoryPrefix}:${hex}`;
}

/** Fields of a run's hash (keys.run). */
export const RUN = {
  /** The run's manifest (JSON, domain/run/manifest.ts). */
  manifest: "manifest",
  /** RunState. */
  state: "state",
  stopReason: "stopReason",
  /** Rows read by the producer. */
  read: "read",
  /** Chunks queued by the producer. */
  chunks: "chunks",
  /** Lines of the file that hold no row. */
  blank: "blank",
  /** Bytes of the file read by the producer, and the file's size: while it reads, the ETA goes by them. */
  bytesRead: "bytesRead",
  bytesTotal: "bytesTotal",
  /** "1" once the producer read the whole file. */
  producerDone: "producerDone",
  /** When the producer last said it was alive (epoch ms). */
  producerAt: "producerAt",
  /** When a producer stopped between two batches (the run paused, Ctrl-C): none runs since, unless producerAt is later. */
  producerStoppedAt: "producerStoppedAt",
  /** When work began (epoch ms). */
  startedAt: "startedAt",
  /** When a worker last took one of the run's chunks (epoch ms): `status` tells a run nobody works. */
  workerAt: "workerAt",
  /** When the latest outcome was recorded (epoch ms). */
  lastAt: "lastAt",
  /**
   * Outcomes in the run's stream not yet moved out: its length no longer says it once an entry may hold a
   * group of them (store/outcomeGroups.ts). Moved by the outcome script and the trim, never by a release before
   * groups (its runs are read by their stream's length).
   */
  streamRows: "streamRows",
  /** Calls made, and calls answered with a throttle. */
  requests: "requests",
  throttled: "throttled",
  /** A dry run's calls, and its plan (JSON). */
  planned: "planned",
  plan: "plan",
  /** `--canary`: rows that need a call still allowed before the run pauses. */
  canaryLeft: "canaryLeft",
  /** The run was cancelled before its file was read to the end: the rows read by then. */
  cutShort: "cutShort",
  /** Where the run's outcomes went once out of Redis (host:path). */
  spool: "spool",
  /** Circuit breaker: rows sent, failed ones in the window, consecutive failures without an answer, credential failures. */
  breakerSent: "bSent",
  breakerFailed: "bFailed",
  breakerConsecutive: "bConsecutive",
  breakerAuth: "bAuth",
  /** Prefix of the rows-per-status counters (`c:<status>`). */
  countPrefix: "c:",
  /** Prefix of the rows-per-error-code counters (`e:<code>`). */
  errorPrefix: "e:",
} as const;

/** Fields of the breaker's codes hash (keys.breakerCodes): `n:<code>` failures, `l:<code>` an example line. */
export const BREAKER_CODES = { countPrefix: "n:", linePrefix: "l:" } as const;

/** The one field of an outcome stream entry (keys.outcomes): the encoded outcome. */
export const OUTCOME_FIELD = "o";

/** A timeline field: a unix second and the kind of call (successful or throttled). */
export function timelineField(sec: number, kind: "ok" | "thr"): string {
  return `${sec}:${kind}`;
}

/** Fields of a governor's hash read outside the governor (status, dry run); the governor writes them (rate/governorScripts.ts). */
export const GOVERNOR = { rate: "rate", safe: "safe", wmax: "wmax", last: "last" } as const;
