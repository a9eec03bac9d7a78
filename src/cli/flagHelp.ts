import { DEFAULTS } from "../config/defaults.js";
import type { FlagSpec } from "./parseArgs.js";

/** What each flag does and its default, for `help <command>` and `<command> --help`. One table for all commands. */
const DOCS: Record<string, readonly [value: string, text: string]> = {
  "instance-id": ["ID", "instance for rows without one (env CONNECT_INSTANCE_ID)"],
  format: ["csv|jsonl", "input format (default: from the file's extension)"],
  delimiter: ["C", 'CSV field separator, one character or "tab" (default ",")'],
  "run-id": ["ID", "name of the run (default: a new one from the date); work: ID[,ID] restricts it to those runs"],
  rate: ["N", `requests/s across all workers, a ceiling (default ${DEFAULTS.rate})`],
  concurrency: ["N", `API calls in flight in this process (default ${DEFAULTS.concurrency})`],
  headroom: ["F", `share of the rate found safe left to the account's other callers; probes above once a minute; 0 takes it all (default ${DEFAULTS.headroom})`],
  "reports-dir": ["DIR", `where report files go (default ${DEFAULTS.reportsDir})`],
  "min-contact-date": ["DATE", "rows of contacts that started earlier are skipped_pre_api (default: UpdateContactAttributes 2018-09-12, UpdateContact none)"],
  "job-name": ["NAME", "the job the run belongs to (a job file gives its name): its change memory, history and webhook"],
  "only-changed": ["", "rows equal to what the job last sent to their contact are unchanged, not sent (needs a job)"],
  forget: ["", "forget what the job sent before: every row of this run is sent"],
  "dry-run": ["", "check and plan the whole file and write the reports of what would happen (would_update...), the calls and how long at --rate; send nothing"],
  canary: ["N", "send the first N rows that need a call, write their reports and pause the run (exit 4) until resume or cancel"],
  "capture-before": [
    "",
    "read each contact's attributes before writing (GetContactAttributes) and keep them for rollback; a contact pushed past 32,768 bytes fails unsent",
  ],
  "lookup-start-time": ["", "rows without initiationTimestamp get the contact's start from DescribeContact before the pre-API and retention rules"],
  "follow-initial": ["", "with the look-up: a row naming a transfer leg is sent to its chain's initial contact instead of failing (implies --lookup-start-time)"],
  "metrics-port": ["PORT", "serve Prometheus metrics on this port at /metrics (work and run; 0 picks a free one)"],
  notify: ["URL", "a webhook POSTed summary.json when a job's run ends (finished, stopped or cancelled)"],
  operation: ["NAME", "the contact operation of every row: UpdateContactAttributes (default) or UpdateContact (name, description, references, segment attributes)"],
  "max-contact-age": ["AGE", `rows of older contacts are skipped_expired: 24mo, 730d, 0 for none (default ${DEFAULTS.maxContactAge})`],
  endpoint: ["URL", "Connect endpoint, e.g. the simulator (default: AWS_ENDPOINT_URL_CONNECT, else AWS)"],
  region: ["REGION", "AWS Region (default: AWS_REGION, as the AWS SDK reads it)"],
  "chunk-size": ["N", `rows per queued job (default ${DEFAULTS.chunkSize})`],
  "queue-window": [
    "N",
    `rows queued ahead of the workers: Redis holds a window of the file, not the file; 0 queues it all at once (default ${DEFAULTS.queueWindow})`,
  ],
  "max-attempts": ["N", `tries for transient errors (default ${DEFAULTS.maxAttempts})`],
  "max-tries": ["N", `tries in all, throttled ones included (default ${DEFAULTS.maxTries})`],
  "max-retry-after": ["S", `the longest Retry-After obeyed, in seconds; longer ones are cut to this (default ${DEFAULTS.maxRetryAfterS})`],
  "shutdown-timeout": ["MS", `on SIGTERM, how long calls in flight may finish (default ${DEFAULTS.shutdownTimeoutMs})`],
  "request-timeout": ["MS", `a call's deadline, answer included; a timed-out row may have been applied (default ${DEFAULTS.requestTimeoutMs})`],
  "lock-duration": ["MS", `BullMQ lock; a killed worker's rows move on within about twice this (default ${DEFAULTS.lockDurationMs})`],
  "breaker-window": ["N", `circuit breaker: the last N rows sent (default ${DEFAULTS.breakerWindow})`],
  "breaker-ratio": ["F", `circuit breaker: more than this share of them failed stops the run (default ${DEFAULTS.breakerRatio})`],
  "breaker-auth": ["N", `circuit breaker: rows failed with credential errors that stop the run (default ${DEFAULTS.breakerAuth})`],
  "breaker-consecutive": ["N", `circuit breaker: rows in a row without a service answer that stop the run (default ${DEFAULTS.breakerConsecutive})`],
  "breaker-ignore": ["CODE[,CODE]", "error codes the circuit breaker leaves out (default none)"],
  "redis-url": ["URL", `Redis (default: REDIS_URL, else ${DEFAULTS.redisUrl})`],
  "redis-cluster": ["", "REDIS_URL is a seed node of a Redis Cluster (env REDIS_CLUSTER=true); needs a hash-tagged --prefix such as {cb}"],
  prefix: ["P", `key prefix on Redis; {cb} style on a cluster (default ${DEFAULTS.prefix})`],
  "log-level": ["LEVEL", "fatal|error|warn|info|debug|trace|silent (default info; warn on a terminal)"],
  "skip-redis-checks": ["", "do not refuse an old or evicting Redis"],
  "exit-when-idle": ["", "exit once nothing is queued or in hand (for scripts)"],
  quiet: ["", "print no summary"],
  force: ["", "rollback: write the before-images even over values someone changed since the run"],
  json: ["", "machine-readable output"],
  limit: ["N", "list only the newest N runs (default: all)"],
  list: ["", "list the job schedules on this Redis"],
  remove: ["NAME", "remove the schedule of job NAME"],
  keep: ["AGE", "drop history entries older than this (90d, 12h, 90m)"],
  follow: ["", "move outcomes out of Redis while the run goes on, write the files when it ends"],
  "include-permanent": ["", "also retry rows that failed for reasons a retry does not fix by itself"],
  wait: ["MS", "how long to wait for chunks that workers hold (default 30000)"],
  "older-than": ["AGE", "prune runs created longer ago: 30d, 12h, 90m (default 30d)"],
  port: ["N", "port to listen on (simulate: default 4566; dashboard: default 3000)"],
  host: ["HOST", "address to listen on (default 127.0.0.1; any other address is reachable by others)"],
  "allow-actions": ["", "dashboard: cancel and resume buttons and writable bull-board queues (default: read-only)"],
  burst: ["N", "bucket size of the simulated quota"],
  latency: ["MS", "added latency per call (default 0)"],
  "auto-create": ["", "accept any contact id (unknown contacts are created by updates; reads still answer 404)"],
  "auto-create-on-read": ["", "with it, reads (GetContactAttributes, DescribeContact) create unknown contacts too (implies --auto-create)"],
  quota: ["OP=RATE[/BURST],…", "a quota of its own per API, such as UpdateContact=5/10 (the others keep --rate/--burst)"],
  "accepted-log-limit": ["N", "accepted updates kept for /__sim/updates (default 100000; counts stay exact)"],
  contacts: ["FILE", "JSON file of contacts to seed"],
};

/** A command's usage, then every flag it takes with its value, meaning and default. */
export function usageWithFlags(usage: string, flags: FlagSpec): string {
  const rows = Object.keys(flags)
    .sort()
    .map((name) => {
      const [value, text] = DOCS[name] ?? ["", ""];
      return [`--${name}${value ? ` ${value}` : ""}`, text] as const;
    });
  const width = Math.max(...rows.map(([f]) => f.length));
  return `${usage}\n\nOptions:\n${rows.map(([f, t]) => `  ${f.padEnd(width)}  ${t}`.trimEnd()).join("\n")}\n  --help${" ".repeat(Math.max(0, width - 6))}  this text`;
}

/** Every flag a command can take has a line: checked by a test, so a new flag cannot go undocumented. */
export function undocumented(flags: FlagSpec): string[] {
  return Object.keys(flags).filter((f) => !(f in DOCS));
}
