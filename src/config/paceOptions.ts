import { option, QUEUEING_COMMANDS, WORKING_COMMANDS } from "./Option.js";
import { atMost, fraction, nonNegativeWhole, parsePort, positive, positiveNumber, positiveWhole } from "./optionChecks.js";

/**
 * A chunk is held whole in the producer's and each worker's memory and in one
 * Redis value: 5,000,000 rows took 2.8 GB of producer RSS. 10,000 rows is already
 * far past where bigger chunks stop paying.
 */
const MAX_CHUNK_SIZE = 10_000;

/** The ceiling when `--rate` is not given and the account's quota cannot be read (requests/s). */
export const DEFAULT_RATE = 10;

const QUEUEING_OR_WORKING = [...new Set([...QUEUEING_COMMANDS, ...WORKING_COMMANDS, "check" as const])];

/** How fast and how hard workers call Connect, and where the calls go. */
export const PACE_OPTIONS = {
  /**
   * Requests per second across every worker on this Redis: the ceiling the governor never exceeds. Not given:
   * the account's applied quota for each API (Service Quotas), else DEFAULT_RATE.
   */
  rate: option({
    flag: "rate",
    type: "number",
    value: "N",
    env: "CONNECT_BACKFILL_RATE",
    unit: "req/s",
    docDefault: `the account's quota, else ${DEFAULT_RATE} req/s`,
    help: `requests/s across all workers, a ceiling (default: the account's quota from Service Quotas, else ${DEFAULT_RATE}); simulate: the simulated quota (default: none)`,
    doc: "requests/s ceiling: this process's, and the shared one's when it is the highest; given to `run` or `enqueue`, the run's own: every worker together sends its rows at most that fast, and the commands that go on with it keep it (see [api.md](api.md))",
    commands: [...WORKING_COMMANDS, "simulate", "enqueue"],
    job: {
      schema: {
        type: "number",
        exclusiveMinimum: 0,
        "x-expects": "a number above 0",
        description: `Requests per second across every worker (default: the account's quota from Service Quotas, else ${DEFAULT_RATE}).`,
      },
    },
    parse: (v: number | undefined, ctx) => (v === undefined ? undefined : positiveNumber(v, ctx)),
  }),
  /** The quota is the account's: a tenth of what is found safe stays with the contact center's own flows. */
  headroom: option({
    flag: "headroom",
    type: "number",
    value: "F",
    env: "CONNECT_BACKFILL_HEADROOM",
    default: 0.1,
    help: "share of the rate found safe left to the account's other callers; probes above once a minute; 0 takes it all (default {default})",
    doc: "share of the rate found safe left to the account's other callers (see [api.md](api.md))",
    commands: WORKING_COMMANDS,
    job: {
      schema: {
        type: "number",
        minimum: 0,
        maximum: 0.9,
        "x-expects": "a share from 0 to 0.9",
        description: "Share of the rate found safe left to the account's other callers (default 0.1).",
      },
    },
    parse: fraction,
  }),
  /** A few MB of rows in Redis (4 MB in the bench), whatever the file's size; tens of seconds of work ahead of the workers. */
  queueWindow: option({
    flag: "queue-window",
    type: "number",
    value: "N",
    env: "CONNECT_BACKFILL_QUEUE_WINDOW",
    default: 50_000,
    unit: "rows",
    help: "rows queued ahead of the workers: Redis holds a window of the file, not the file; 0 queues it all at once (default {default})",
    doc: "rows queued ahead of the workers; 0 queues the whole file at once",
    commands: QUEUEING_COMMANDS,
    parse: nonNegativeWhole,
  }),
  concurrency: option({
    flag: "concurrency",
    type: "number",
    value: "N",
    env: "CONNECT_BACKFILL_CONCURRENCY",
    default: 16,
    help: "API calls in flight in this process; calls waiting for their turns hold at most a quarter of them per API (default {default})",
    doc: "API calls in flight per worker process (calls waiting for their turns hold at most a quarter of them per API or run with its own --rate, and a backoff none: a throttled API or a slow run never holds back another)",
    commands: WORKING_COMMANDS,
    job: { schema: { type: "integer", minimum: 1, "x-expects": "a whole number above 0", description: "In-flight calls per worker process (default 16)." } },
    parse: positiveWhole,
  }),
  metricsPort: option({
    flag: "metrics-port",
    type: "number",
    value: "PORT",
    env: "CONNECT_BACKFILL_METRICS_PORT",
    help: "serve Prometheus metrics on this port at /metrics (work and run; 0 picks a free one)",
    doc: "Prometheus `/metrics` on this port (`work`, `run`)",
    docDefault: "off",
    commands: WORKING_COMMANDS,
    // The port's own message for a bad variable too, and an empty one is off.
    fromEnv: parsePort,
    parse: parsePort,
  }),
  chunkSize: option({
    flag: "chunk-size",
    type: "number",
    value: "N",
    env: "CONNECT_BACKFILL_CHUNK_SIZE",
    default: 500,
    unit: "rows",
    help: "rows per queued job (default {default})",
    doc: "rows per queued job (at most 10,000)",
    commands: QUEUEING_OR_WORKING,
    job: {
      schema: {
        type: "integer",
        minimum: 1,
        maximum: MAX_CHUNK_SIZE,
        "x-expects": `a whole number from 1 to ${MAX_CHUNK_SIZE}`,
        description: "Rows per queued chunk (default 500; at most 10,000, as --chunk-size).",
      },
    },
    parse: (v, ctx) => atMost(ctx.flag, positive(ctx.flag, v, true), MAX_CHUNK_SIZE),
  }),
  /** Tries for a row failing with transient errors (500, 503, resets, timeouts). */
  maxAttempts: option({
    flag: "max-attempts",
    type: "number",
    value: "N",
    env: "CONNECT_BACKFILL_MAX_ATTEMPTS",
    default: 5,
    help: "tries for transient errors (default {default})",
    doc: "tries for transient errors",
    commands: WORKING_COMMANDS,
    parse: positiveWhole,
  }),
  /** Total tries for a row, throttled ones included; past it the row is `failed` with code `Throttled`. */
  maxTries: option({
    flag: "max-tries",
    type: "number",
    value: "N",
    env: "CONNECT_BACKFILL_MAX_TRIES",
    default: 40,
    help: "tries in all, throttled ones included (default {default})",
    doc: "tries in all, throttled ones included",
    commands: WORKING_COMMANDS,
    parse: positiveWhole,
  }),
  /** The longest Retry-After obeyed, in ms (given in seconds): a throttle pauses every worker on the prefix. */
  maxRetryAfterMs: option({
    flag: "max-retry-after",
    type: "number",
    value: "S",
    env: "CONNECT_BACKFILL_MAX_RETRY_AFTER_S",
    // 30 s: Connect sends no Retry-After; one from a proxy or a lying endpoint is honoured once up to this, and
    // twice this with nothing getting through stops the run (resumable) within a minute, not two.
    default: 30,
    unit: "s",
    help: "the longest Retry-After obeyed, in seconds; longer ones are cut to this (default {default})",
    doc: "the longest `Retry-After` obeyed; throttled without a call getting through for twice this (at least 10 s), a run stops (see [api.md](api.md))",
    commands: WORKING_COMMANDS,
    parse: (v, ctx) => 1000 * positive(ctx.flag, v, false),
  }),
  requestTimeoutMs: option({
    flag: "request-timeout",
    type: "number",
    value: "MS",
    env: "CONNECT_BACKFILL_REQUEST_TIMEOUT_MS",
    default: 10_000,
    unit: "ms",
    help: "a call's deadline, answer included; a timed-out row may have been applied (default {default})",
    doc: "a call's deadline, its answer included",
    commands: WORKING_COMMANDS,
    parse: positiveNumber,
  }),
  shutdownTimeoutMs: option({
    flag: "shutdown-timeout",
    type: "number",
    value: "MS",
    env: "CONNECT_BACKFILL_SHUTDOWN_TIMEOUT_MS",
    default: 20_000,
    unit: "ms",
    help: "on SIGTERM, how long calls in flight may finish (default {default})",
    doc: "how long calls in flight get to finish on SIGTERM",
    commands: WORKING_COMMANDS,
    parse: positiveNumber,
  }),
  /** BullMQ lock: a killed worker's chunk goes to another worker within about twice this. */
  lockDurationMs: option({
    flag: "lock-duration",
    type: "number",
    value: "MS",
    env: "CONNECT_BACKFILL_LOCK_DURATION_MS",
    default: 15_000,
    unit: "ms",
    help: "BullMQ lock; a killed worker's rows move on within about twice this (default {default})",
    doc: "how long a worker holds a chunk between renewals; a killed worker's rows go to another within about twice this",
    commands: WORKING_COMMANDS,
    parse: positiveWhole,
  }),
  /** Overrides the Connect endpoint (the simulator, a VPC endpoint); the SDK's own variable works too. */
  endpoint: option({
    flag: "endpoint",
    type: "string",
    value: "URL",
    sdkEnv: "AWS_ENDPOINT_URL_CONNECT",
    help: "Connect endpoint, e.g. the simulator (default: AWS_ENDPOINT_URL_CONNECT, else AWS)",
    doc: "Connect endpoint (the simulator, a VPC endpoint)",
    docDefault: "AWS",
    // The target a run is queued for is recorded in it; workers aimed elsewhere leave it alone.
    commands: QUEUEING_OR_WORKING,
    job: {
      schema: {
        type: "string",
        pattern: "^https?://[^\\s]+$",
        "x-expects": "an http or https URL",
        description: "The Connect endpoint (the simulator, a VPC endpoint).",
      },
    },
    parse: (v) => v,
  }),
  region: option({
    flag: "region",
    type: "string",
    value: "REGION",
    sdkEnv: "AWS_REGION",
    help: "AWS Region (default: AWS_REGION, as the AWS SDK reads it)",
    doc: "Region of the instance",
    docDefault: "from the AWS config",
    commands: QUEUEING_OR_WORKING,
    job: { schema: { type: "string", pattern: "^[a-z0-9-]{1,50}$", "x-expects": "an AWS region such as us-east-1", description: "The AWS region." } },
    parse: (v) => v,
  }),
  exitWhenIdle: option({
    flag: "exit-when-idle",
    type: "boolean",
    value: "",
    default: false,
    help: "exit once nothing is queued or in hand (for scripts)",
    doc: "`work` exits once the queue is empty",
    commands: ["work"],
    parse: (v) => v,
  }),
};
