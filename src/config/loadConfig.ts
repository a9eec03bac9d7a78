import { OPERATION_NAMES, type OperationName } from "../operations/Operation.js";
import { DEFAULTS } from "./defaults.js";
import { ConfigError } from "./ConfigError.js";
import { parseContactAge, type ContactAge } from "./parseContactAge.js";

export type InputFormat = "csv" | "jsonl";

/** Everything a command needs, merged once from defaults, environment and flags. */
export interface Config {
  readonly redisUrl: string;
  /** Key prefix for every Redis key (BullMQ's included). Use a hash tag such as `{cb}` on Redis Cluster. */
  readonly prefix: string;
  /** `redisUrl` is a seed node of a Redis Cluster (`--redis-cluster`, REDIS_CLUSTER=true); the prefix then has a hash tag. */
  readonly redisCluster: boolean;
  readonly instanceId: string | undefined;
  readonly format: InputFormat | undefined;
  /** CSV field separator: ",", or ";" from European Excel, tab, "|"... */
  readonly delimiter: string;
  readonly runId: string | undefined;
  /** Requests per second across every worker on this Redis: the ceiling the governor never exceeds. */
  readonly rate: number;
  /** Share of the rate found safe left to the account's other callers: production flows and Lambdas (`--headroom`). */
  readonly headroom: number;
  /** In-flight API calls per worker process. */
  readonly concurrency: number;
  readonly reportsDir: string;
  /** Given: rows of contacts started earlier are skipped_pre_api. Absent: the operation's own date (UpdateContactAttributes: 2018-09-12). */
  readonly minContactDate: Date | undefined;
  /** The contact operation a queued run applies (`--operation`). */
  readonly operation: OperationName;
  /** The job a queued run belongs to (a job file's name, or `--job-name`). */
  readonly jobName: string | undefined;
  /** Rows equal to what the job last sent to their contact are not sent (`--only-changed`; needs a job). */
  readonly onlyChanged: boolean;
  /** Forget what the job sent before this run: every row is sent (`--forget`). */
  readonly forget: boolean;
  /** Check and plan the file, write the reports of what would happen, send nothing (`--dry-run`). */
  readonly dryRun: boolean;
  /** Pause the run once this many rows that need a call were sent (`--canary N`). */
  readonly canary: number | undefined;
  /** Read each contact's attributes before writing and keep them for `rollback` (`--capture-before`). */
  readonly captureBefore: boolean;
  /** Rows without initiationTimestamp get it from DescribeContact (`--lookup-start-time`). */
  readonly lookupStartTime: boolean;
  /** A row naming a transfer leg is sent to its chain's initial contact (`--follow-initial`; implies the look-up). */
  readonly followInitial: boolean;
  /** A webhook told when a job's run ends (`--notify`). */
  readonly notify: string | undefined;
  /** Serve Prometheus metrics on this port (`--metrics-port`; `work` and `run`). */
  readonly metricsPort: number | undefined;
  /** Overrides the Connect endpoint (the simulator, a VPC endpoint); AWS_ENDPOINT_URL_CONNECT works too. */
  readonly endpoint: string | undefined;
  readonly region: string | undefined;
  /**
   * Where calls go, as far as the operator said (flags, else the AWS SDK's own
   * variables): recorded in each queued run, and compared by workers, so a
   * worker aimed at the simulator never works a run meant for AWS.
   */
  readonly target: { readonly endpoint: string | undefined; readonly region: string | undefined };
  /** `work --run-id A,B`: only these runs. Empty: every run on the prefix. */
  readonly onlyRuns: readonly string[];
  readonly chunkSize: number;
  /** Rows the producer keeps queued ahead of the workers; 0: the whole file at once (`--queue-window`). */
  readonly queueWindow: number;
  /** Tries for a row failing with transient errors (500, 503, resets, timeouts). */
  readonly maxAttempts: number;
  /** Total tries for a row, throttled ones included; past it the row is `failed` with code `Throttled`. */
  readonly maxTries: number;
  /** The longest Retry-After obeyed, in ms: a pause is shared by every worker on the prefix. */
  readonly maxRetryAfterMs: number;
  readonly logLevel: string;
  readonly shutdownTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly exitWhenIdle: boolean;
  /** Circuit breaker: stop when more than `breakerRatio` of the last `breakerWindow` rows sent failed. */
  readonly breakerWindow: number;
  readonly breakerRatio: number;
  /** Stop after this many rows failed with credential errors (expired, revoked, denied). */
  readonly breakerAuth: number;
  /** Stop after this many consecutive rows failed without an answer from the service. */
  readonly breakerConsecutive: number;
  /** Error codes the breaker leaves out (expected failures, such as many deleted contacts). */
  readonly breakerIgnore: readonly string[];
  /** Rows of contacts older than this are `skipped_expired`, never sent; null: no limit. */
  readonly maxContactAge: ContactAge;
  readonly skipRedisChecks: boolean;
  /** BullMQ lock: a killed worker's chunk goes to another worker within about twice this. */
  readonly lockDurationMs: number;
}

/** Values as the command line gives them (already typed by the argument parser). */
export type ConfigFlags = Partial<{
  "instance-id": string;
  format: string;
  delimiter: string;
  "run-id": string;
  rate: number;
  headroom: number;
  concurrency: number;
  "reports-dir": string;
  "min-contact-date": string;
  operation: string;
  "job-name": string;
  "only-changed": boolean;
  forget: boolean;
  "dry-run": boolean;
  canary: number;
  "capture-before": boolean;
  "lookup-start-time": boolean;
  "follow-initial": boolean;
  notify: string;
  "metrics-port": number;
  endpoint: string;
  region: string;
  "chunk-size": number;
  "queue-window": number;
  "max-attempts": number;
  "max-tries": number;
  "max-retry-after": number;
  "log-level": string;
  "shutdown-timeout": number;
  "request-timeout": number;
  "exit-when-idle": boolean;
  "redis-url": string;
  "redis-cluster": boolean;
  prefix: string;
  "breaker-window": number;
  "breaker-ratio": number;
  "breaker-auth": number;
  "breaker-consecutive": number;
  "breaker-ignore": string;
  "max-contact-age": string;
  "skip-redis-checks": boolean;
  "lock-duration": number;
}>;

const RUN_ID = /^[A-Za-z0-9_.-]{1,64}$/;

function positive(name: string, value: number, integer: boolean): number {
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new ConfigError(`--${name} must be a positive ${integer ? "whole " : ""}number, got ${String(value)}`);
  }
  return value;
}

/**
 * A chunk is held whole in the producer's and each worker's memory and in one
 * Redis value: 5,000,000 rows took 2.8 GB of producer RSS. 10,000 rows is already
 * far past where bigger chunks stop paying.
 */
const MAX_CHUNK_SIZE = 10_000;

function fraction(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0 || value > 0.9)
    throw new ConfigError(`--${name} must be a share from 0 to 0.9 (0.1 leaves a tenth of the quota to other callers), got ${String(value)}`);
  return value;
}

function nonNegativeWhole(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new ConfigError(`--${name} must be a whole number, 0 or more, got ${String(value)}`);
  return value;
}

function atMost(name: string, value: number, max: number): number {
  if (value > max) throw new ConfigError(`--${name} must be at most ${max}, got ${value}`);
  return value;
}

/** Parses a date flag: ISO-8601 (date only means midnight UTC). */
export function parseDateFlag(name: string, value: string): Date {
  const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
  if (!iso.test(value)) throw new ConfigError(`--${name} must be an ISO-8601 date such as 2018-09-12, got "${value}"`);
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(value) && value.includes("T");
  const d = new Date(value.includes("T") ? (hasZone ? value : `${value}Z`) : `${value}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) throw new ConfigError(`--${name} is not a real date, got "${value}"`);
  return d;
}

/** Run ids become Redis keys and folder names: one rule for `--run-id` and for a command's <runId>. */
export function validateRunId(runId: string, what = "--run-id"): string {
  if (!RUN_ID.test(runId) || /^\d+$/.test(runId) || /^\.+$/.test(runId)) {
    throw new ConfigError(`${what} must be 1-64 letters, digits, "_", "-" or "." and not only digits or dots, got "${runId}"`);
  }
  return runId;
}

/**
 * The only reader of `process.env` in the project (apart from the AWS SDK, which
 * reads its own standard variables: AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_CONNECT, ...).
 */
/** One character, not a quote or a line end; `tab` (or "\t") for a tab. */
function parseDelimiter(value: string): string {
  const d = value === "tab" || value === "\\t" ? "\t" : value;
  if (d.length !== 1 || d === '"' || d === "\n" || d === "\r" || d.charCodeAt(0) > 127) {
    throw new ConfigError(`--delimiter must be one character such as ";" or "|" (or "tab"), got "${value}"`);
  }
  return d;
}

const nonEmpty = (v: string | undefined) => (v === undefined || v.trim() === "" ? undefined : v.trim());

function parsePort(value: number | string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new ConfigError(`--metrics-port must be a port number (0-65535), got "${value}"`);
  return n;
}

function parseNotify(value: string | undefined): string | undefined {
  if (value === undefined || value === "") return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`--notify must be an http(s) URL, got "${value.slice(0, 80)}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new ConfigError(`--notify must be an http(s) URL, got "${url.protocol}…"`);
  return value;
}

/** REDIS_CLUSTER: true or false (1 or 0); unset or empty is false. */
function parseBoolEnv(name: string, value: string | undefined): boolean {
  const v = value?.trim().toLowerCase() ?? "";
  if (v === "" || v === "false" || v === "0") return false;
  if (v === "true" || v === "1") return true;
  throw new ConfigError(`${name} must be true or false, got "${value}"`);
}

/**
 * Redis Cluster runs a multi-key command or script only when its keys share a hash
 * slot: every key starts with the prefix, so a prefix with a hash tag (`{cb}`, `x{cb}`)
 * puts them all in the slot of the tag. A key's tag is what stands between its first
 * `{` and the next `}`, when that is not empty.
 */
export function hasHashTag(prefix: string): boolean {
  const open = prefix.indexOf("{");
  const close = open === -1 ? -1 : prefix.indexOf("}", open + 1);
  return close > open + 1;
}

function parseOperation(value: string): OperationName {
  const found = OPERATION_NAMES.find((n) => n.toLowerCase() === value.trim().toLowerCase());
  if (!found) throw new ConfigError(`--operation must be one of ${OPERATION_NAMES.join(", ")}, got "${value}"`);
  return found;
}

export function loadConfig(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = process.env, opts: { interactive?: boolean; runIdList?: boolean } = {}): Config {
  const num = (flag: number | undefined, envName: string, fallback: number): number => {
    if (flag !== undefined) return flag;
    const raw = env[envName];
    if (raw === undefined || raw === "") return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n)) throw new ConfigError(`${envName} must be a number, got "${raw}"`);
    return n;
  };
  const format = flags.format ?? env.CONNECT_BACKFILL_FORMAT;
  if (format !== undefined && format !== "csv" && format !== "jsonl") {
    throw new ConfigError(`--format must be csv or jsonl, got "${format}"`);
  }
  const breakerRatio = num(flags["breaker-ratio"], "CONNECT_BACKFILL_BREAKER_RATIO", DEFAULTS.breakerRatio);
  if (!(breakerRatio > 0 && breakerRatio <= 1)) {
    throw new ConfigError(`--breaker-ratio must be above 0 and at most 1, got ${breakerRatio}`);
  }
  const ignore = flags["breaker-ignore"] ?? env.CONNECT_BACKFILL_BREAKER_IGNORE ?? "";
  const breakerIgnore = ignore
    .split(",")
    .map((c) => c.trim())
    .filter((c) => c !== "");
  const badCode = breakerIgnore.find((c) => !/^[A-Za-z0-9_.:-]{1,100}$/.test(c));
  if (badCode !== undefined) throw new ConfigError(`--breaker-ignore takes error codes separated by commas (such as ResourceNotFoundException), got "${badCode}"`);
  const instanceId = flags["instance-id"] ?? env.CONNECT_INSTANCE_ID;
  // `work --run-id A,B` restricts a worker to those runs; everywhere else --run-id names one run.
  const runIds = (flags["run-id"] ?? "")
    .split(",")
    .map((r) => r.trim())
    .filter((r) => r !== "");
  const onlyRuns = opts.runIdList ? runIds.map((r) => validateRunId(r)) : [];
  const runId = opts.runIdList ? undefined : flags["run-id"];
  const config: Config = {
    redisUrl: flags["redis-url"] ?? env.REDIS_URL ?? DEFAULTS.redisUrl,
    prefix: flags.prefix ?? env.CONNECT_BACKFILL_PREFIX ?? DEFAULTS.prefix,
    redisCluster: flags["redis-cluster"] ?? parseBoolEnv("REDIS_CLUSTER", env.REDIS_CLUSTER),
    instanceId: instanceId === "" ? undefined : instanceId,
    format,
    delimiter: parseDelimiter(flags.delimiter ?? env.CONNECT_BACKFILL_DELIMITER ?? ","),
    runId: runId === undefined ? undefined : validateRunId(runId),
    rate: positive("rate", num(flags.rate, "CONNECT_BACKFILL_RATE", DEFAULTS.rate), false),
    headroom: fraction("headroom", num(flags.headroom, "CONNECT_BACKFILL_HEADROOM", DEFAULTS.headroom)),
    concurrency: positive("concurrency", num(flags.concurrency, "CONNECT_BACKFILL_CONCURRENCY", DEFAULTS.concurrency), true),
    reportsDir: flags["reports-dir"] ?? env.CONNECT_BACKFILL_REPORTS_DIR ?? DEFAULTS.reportsDir,
    minContactDate: flags["min-contact-date"] === undefined ? undefined : parseDateFlag("min-contact-date", flags["min-contact-date"]),
    operation: parseOperation(flags.operation ?? env.CONNECT_BACKFILL_OPERATION ?? "UpdateContactAttributes"),
    jobName: flags["job-name"] === undefined ? undefined : validateRunId(flags["job-name"], "--job-name"),
    onlyChanged: flags["only-changed"] === true,
    forget: flags.forget === true,
    dryRun: flags["dry-run"] === true,
    canary: flags.canary === undefined ? undefined : positive("canary", flags.canary, true),
    captureBefore: flags["capture-before"] === true,
    lookupStartTime: flags["lookup-start-time"] === true || flags["follow-initial"] === true,
    followInitial: flags["follow-initial"] === true,
    notify: parseNotify(flags.notify),
    metricsPort: parsePort(flags["metrics-port"] ?? env.CONNECT_BACKFILL_METRICS_PORT),
    endpoint: flags.endpoint,
    region: flags.region,
    target: Object.freeze({
      endpoint: nonEmpty(flags.endpoint) ?? nonEmpty(env.AWS_ENDPOINT_URL_CONNECT) ?? nonEmpty(env.AWS_ENDPOINT_URL),
      region: nonEmpty(flags.region) ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION),
    }),
    onlyRuns: Object.freeze(onlyRuns),
    chunkSize: atMost("chunk-size", positive("chunk-size", num(flags["chunk-size"], "CONNECT_BACKFILL_CHUNK_SIZE", DEFAULTS.chunkSize), true), MAX_CHUNK_SIZE),
    queueWindow: nonNegativeWhole("queue-window", num(flags["queue-window"], "CONNECT_BACKFILL_QUEUE_WINDOW", DEFAULTS.queueWindow)),
    maxAttempts: positive("max-attempts", num(flags["max-attempts"], "CONNECT_BACKFILL_MAX_ATTEMPTS", DEFAULTS.maxAttempts), true),
    maxRetryAfterMs: 1000 * positive("max-retry-after", num(flags["max-retry-after"], "CONNECT_BACKFILL_MAX_RETRY_AFTER_S", DEFAULTS.maxRetryAfterS), false),
    maxTries: positive("max-tries", num(flags["max-tries"], "CONNECT_BACKFILL_MAX_TRIES", DEFAULTS.maxTries), true),
    // On a terminal the progress line is the record; JSON info logs would only garble it.
    logLevel: flags["log-level"] ?? env.LOG_LEVEL ?? (opts.interactive ? "warn" : DEFAULTS.logLevel),
    shutdownTimeoutMs: positive("shutdown-timeout", num(flags["shutdown-timeout"], "CONNECT_BACKFILL_SHUTDOWN_TIMEOUT_MS", DEFAULTS.shutdownTimeoutMs), false),
    requestTimeoutMs: positive("request-timeout", num(flags["request-timeout"], "CONNECT_BACKFILL_REQUEST_TIMEOUT_MS", DEFAULTS.requestTimeoutMs), false),
    exitWhenIdle: flags["exit-when-idle"] ?? false,
    breakerWindow: positive("breaker-window", num(flags["breaker-window"], "CONNECT_BACKFILL_BREAKER_WINDOW", DEFAULTS.breakerWindow), true),
    breakerRatio,
    breakerAuth: positive("breaker-auth", num(flags["breaker-auth"], "CONNECT_BACKFILL_BREAKER_AUTH", DEFAULTS.breakerAuth), true),
    breakerConsecutive: positive("breaker-consecutive", num(flags["breaker-consecutive"], "CONNECT_BACKFILL_BREAKER_CONSECUTIVE", DEFAULTS.breakerConsecutive), true),
    breakerIgnore: Object.freeze(breakerIgnore),
    maxContactAge: parseContactAge("max-contact-age", flags["max-contact-age"] ?? env.CONNECT_BACKFILL_MAX_CONTACT_AGE ?? DEFAULTS.maxContactAge),
    skipRedisChecks: flags["skip-redis-checks"] ?? false,
    lockDurationMs: positive("lock-duration", num(flags["lock-duration"], "CONNECT_BACKFILL_LOCK_DURATION_MS", DEFAULTS.lockDurationMs), true),
  };
  const levels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];
  if (!levels.includes(config.logLevel)) {
    throw new ConfigError(`--log-level must be one of ${levels.join(", ")}, got "${config.logLevel}"`);
  }
  if (config.redisCluster && !hasHashTag(config.prefix)) {
    throw new ConfigError(
      `--redis-cluster needs a --prefix with a hash tag, such as {${config.prefix.replace(/[{}]/g, "") || "cb"}}, so every key lands in one hash slot; got "${config.prefix}"`,
    );
  }
  if (config.captureBefore && config.operation !== "UpdateContactAttributes") {
    throw new ConfigError(
      `--capture-before works with UpdateContactAttributes only: Connect has no read of a contact's references, so an ${config.operation} run could not be rolled back`,
    );
  }
  if (config.dryRun && config.canary !== undefined) throw new ConfigError("--dry-run sends nothing, so --canary has nothing to pause: give one or the other");
  if ((config.onlyChanged || config.forget || config.notify) && !config.jobName) {
    const flag = config.onlyChanged ? "--only-changed" : config.forget ? "--forget" : "--notify";
    throw new ConfigError(`${flag} needs a job: run a job file, or give --job-name NAME (its memory, history and webhook are the job's)`);
  }
  return Object.freeze(config);
}
