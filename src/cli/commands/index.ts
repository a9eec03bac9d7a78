import { flagSpecOf } from "../../config/options.js";
import { cancel } from "./cancel.js";
import { check } from "./check.js";
import type { Command } from "./Command.js";
import { dashboard } from "./dashboard.js";
import { enqueue } from "./enqueue.js";
import { history } from "./history.js";
import { prune } from "./prune.js";
import { report } from "./report.js";
import { resume } from "./resume.js";
import { retry } from "./retry.js";
import { rollback } from "./rollback.js";
import { run } from "./run.js";
import { schedule } from "./schedule.js";
import { status } from "./status.js";
import { work } from "./work.js";

export type { Command, CommandInput } from "./Command.js";

const simulate: Command = {
  usage: "connect-backfill simulate [--port N] [--rate N] [--burst N] [--latency MS] [--auto-create] [--contacts FILE.json]",
  flags: flagSpecOf("simulate"),
  positionals: [0, 0],
  run: async (input) => (await import("./simulate.js")).simulateCommand(input),
};

/** Every command by name; each loads what it needs only when it runs. */
export const commands: Record<string, Command> = {
  run,
  enqueue,
  work,
  status,
  report,
  retry,
  rollback,
  resume,
  cancel,
  prune,
  schedule,
  history,
  simulate,
  dashboard,
  check,
};

export const HELP = `connect-backfill: bulk UpdateContactAttributes and UpdateContact for Amazon Connect, on BullMQ + Redis

  connect-backfill run <file|job.json> enqueue + work + report in one process
  connect-backfill enqueue <file>      validate and queue a file, print the run id
  connect-backfill work                process queued runs until SIGTERM/SIGINT (--exit-when-idle)
  connect-backfill status [runId]      counts per status, rate, ETA (--json)
  connect-backfill report <runId>      (re)write a run's report files (--follow during a run)
  connect-backfill retry <runId>       a new run of the retryable failed rows (--include-permanent: all failed)
  connect-backfill rollback <runId>    write back what a --capture-before run's contacts held before it (--force)
  connect-backfill resume <runId>      go on with a run the circuit breaker stopped, or a canary or a job's guards paused
  connect-backfill cancel <runId>      stop a run everywhere; rows not sent become cancelled
  connect-backfill prune               remove finished runs' data from Redis (--older-than 30d, --run-id)
  connect-backfill schedule <job.json> register a job's cron schedule (--list, --remove NAME)
  connect-backfill history [job]       past runs of each job (--json, --keep 90d)
  connect-backfill check [job.json]    can a run start here: credentials, Region, endpoint, instance, Redis
  connect-backfill simulate            start the local Connect stand-in
  connect-backfill dashboard           web page of the runs + bull-board at /queues (--allow-actions, --host)

Common options: --operation UpdateContactAttributes|UpdateContact, --instance-id, --format csv|jsonl, --run-id,
--rate (req/s ceiling, default 10), --concurrency, --reports-dir (default ./reports), --min-contact-date, --max-contact-age
(default 24mo; 730d; 0 for none), --breaker-window/--breaker-ratio/--breaker-auth/--breaker-consecutive,
--breaker-ignore CODE[,CODE], --endpoint, --region. Before a big backfill: --dry-run, --canary N, --capture-before,
--lookup-start-time, --follow-initial (docs/big-backfill.md).
Redis from REDIS_URL (default redis://127.0.0.1:6379); AWS configuration as the AWS SDK reads it.
Exit codes: 0 all rows updated, skipped, unchanged or superseded, 3 some rows invalid or failed, 1 could not run
(or the circuit breaker stopped the run), 2 usage error, 4 paused (after --canary, or by a job's guards: resume or cancel), 130 a second Ctrl-C (stopped at once).
See README.md and docs/ for everything else.
`;
