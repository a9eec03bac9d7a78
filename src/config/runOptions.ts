import { ConfigError } from "./ConfigError.js";
import { FILE_COMMANDS, option, QUEUEING_COMMANDS } from "./Option.js";
import { parseDateFlag, parseDelimiter, parseNotify, parseOperation, positive, validateRunId } from "./optionChecks.js";
import { parseContactAge } from "./parseContactAge.js";

export type InputFormat = "csv" | "jsonl";

const SWITCH = { type: "boolean", "x-expects": "true or false" } as const;
const ISO_DATE = "^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:?\\d{2})?)?$";

/** What a queued run is: its input, its operation, the rows it leaves out and how carefully it starts. */
export const RUN_OPTIONS = {
  instanceId: option({
    flag: "instance-id",
    type: "string",
    value: "ID",
    env: "CONNECT_INSTANCE_ID",
    help: "instance for rows without one (env CONNECT_INSTANCE_ID)",
    doc: "instance for rows without one",
    commands: [...QUEUEING_COMMANDS, "check"],
    job: {
      schema: { type: "string", minLength: 1, maxLength: 100, "x-expects": "an instance id of 1-100 characters", description: "For rows that name no instance." },
    },
    parse: (v) => (v === "" ? undefined : v),
  }),
  operation: option({
    flag: "operation",
    type: "string",
    value: "NAME",
    env: "CONNECT_BACKFILL_OPERATION",
    default: "UpdateContactAttributes",
    help: "the contact operation of every row: {default} (default) or UpdateContact (name, description, references, segment attributes)",
    doc: "or `UpdateContact` (see [input.md](input.md#updatecontact))",
    commands: QUEUEING_COMMANDS,
    job: {
      schema: {
        type: "string",
        enum: ["UpdateContactAttributes", "UpdateContact"],
        "x-expects": '"UpdateContactAttributes" or "UpdateContact"',
        description: "The API operation each row becomes (default UpdateContactAttributes).",
      },
    },
    parse: parseOperation,
  }),
  format: option({
    flag: "format",
    type: "string",
    value: "csv|jsonl",
    env: "CONNECT_BACKFILL_FORMAT",
    help: "input format (default: from the file's extension)",
    doc: "`csv` or `jsonl`",
    docDefault: "by extension",
    commands: FILE_COMMANDS,
    job: { schema: { type: "string", enum: ["csv", "jsonl"], "x-expects": '"csv" or "jsonl"', description: "Default: from the input's extension." } },
    parse: (v): InputFormat | undefined => {
      if (v !== undefined && v !== "csv" && v !== "jsonl") throw new ConfigError(`--format must be csv or jsonl, got "${v}"`);
      return v;
    },
  }),
  delimiter: option({
    flag: "delimiter",
    type: "string",
    value: "C",
    env: "CONNECT_BACKFILL_DELIMITER",
    default: ",",
    help: 'CSV field separator, one ASCII character or "tab" (default "{default}")',
    doc: "CSV field separator: one ASCII character, or `tab`",
    commands: FILE_COMMANDS,
    job: {
      schema: {
        type: "string",
        minLength: 1,
        "x-expects": 'one ASCII character such as ";" or "|" (or "tab"), not a quote or a line end',
        description: 'CSV field separator (default ",").',
      },
    },
    parse: parseDelimiter,
  }),
  runId: option({
    flag: "run-id",
    type: "string",
    value: "ID",
    help: "name of the run (default: a new one from the date); work: ID[,ID] restricts it to those runs",
    doc: "1–64 of `A-Z a-z 0-9 _ - .`, not all digits; re-using one resumes that run",
    docDefault: "generated",
    commands: [...QUEUEING_COMMANDS, "work", "prune", "check"],
    // `work --run-id A,B` restricts a worker to those runs (Config.onlyRuns); everywhere else it names one run.
    parse: (v, ctx) => (ctx.runIdList || v === undefined ? undefined : validateRunId(v)),
  }),
  reportsDir: option({
    flag: "reports-dir",
    type: "string",
    value: "DIR",
    env: "CONNECT_BACKFILL_REPORTS_DIR",
    default: "./reports",
    help: "where report files go: a folder, or s3://bucket/prefix to upload them (default {default})",
    doc: "where report folders are written; `s3://bucket/prefix` uploads them there (see [failure-review.md](failure-review.md#reports-in-s3))",
    commands: [...QUEUEING_COMMANDS, "report", "cancel", "dashboard"],
    job: {
      path: true,
      schema: {
        type: "string",
        minLength: 1,
        "x-expects": "a folder path relative to the job file, or s3://bucket/prefix",
        description: "Where report folders go, relative to the job file (default ./reports); s3://bucket/prefix uploads them.",
      },
    },
    parse: (v) => {
      if (v !== undefined && /^s3:/i.test(v) && !/^s3:\/\/[^/]+/i.test(v)) throw new ConfigError(`--reports-dir: "${v}" is not an S3 URL; write s3://bucket/prefix`);
      return v;
    },
  }),
  /** Measured: ~10 s and ~5 MB per 100k failed rows (README, "A failures workbook"); failures.csv alone is well under a second. */
  failuresWorkbook: option({
    flag: "failures-workbook",
    type: "boolean",
    value: "",
    env: "CONNECT_BACKFILL_FAILURES_WORKBOOK",
    default: true,
    help: "write failures.xlsx beside failures.csv, every cell text (--failures-workbook=false: CSV only)",
    doc: "also write `failures.xlsx` (every cell text, so spreadsheets keep IDs as written); `false` for CSV only",
    commands: [...QUEUEING_COMMANDS, "report", "cancel"],
    job: { schema: { ...SWITCH, description: "Write failures.xlsx beside failures.csv (default true)." } },
    parse: (v) => v !== false,
  }),
  minContactDate: option({
    flag: "min-contact-date",
    type: "string",
    value: "DATE",
    help: "rows of contacts that started earlier are skipped_pre_api (default: UpdateContactAttributes 2018-09-12, UpdateContact none)",
    doc: "rows that started earlier are `skipped_pre_api`",
    docDefault: "by operation (UpdateContactAttributes: 2018-09-12)",
    commands: QUEUEING_COMMANDS,
    job: {
      schema: {
        type: "string",
        pattern: ISO_DATE,
        "x-expects": "an ISO-8601 date such as 2018-09-12",
        description: "Rows of contacts started earlier are skipped_pre_api.",
      },
    },
    parse: (v, ctx) => (v === undefined ? undefined : parseDateFlag(ctx.flag, v)),
  }),
  /** Connect keeps a contact and its attributes for 24 months after it started. */
  maxContactAge: option({
    flag: "max-contact-age",
    type: "string",
    value: "AGE",
    env: "CONNECT_BACKFILL_MAX_CONTACT_AGE",
    default: "24mo",
    help: "rows of older contacts are skipped_expired: 24mo (months), 730d, 2y, 0 for none (default {default})",
    doc: "older contacts are `skipped_expired` (`mo` months, `d` days, `w`, `y`; `0` off)",
    commands: QUEUEING_COMMANDS,
    job: {
      schema: {
        type: "string",
        pattern: "^(0|[1-9][0-9]{0,6}([mM][oO]|[dDwWyY]))$",
        "x-expects": "days, weeks, months or years such as 730d or 24mo (24m would be minutes), or 0 (no limit)",
        description: "Rows of older contacts are skipped_expired (default 24mo).",
      },
    },
    parse: (v, ctx) => parseContactAge(ctx.flag, v),
  }),
  jobName: option({
    flag: "job-name",
    type: "string",
    value: "NAME",
    help: "the job the run belongs to (a job file gives its name): its change memory, history and webhook",
    doc: "the job a run belongs to: its change memory, history and webhook",
    docDefault: "a job file's `name`",
    commands: FILE_COMMANDS,
    job: {
      key: "name",
      schema: {
        type: "string",
        pattern: "^[A-Za-z0-9_.-]{1,64}$",
        "x-expects": '1-64 letters, digits, "_", "-" or "." and not only digits or dots',
        description: "The job's name; part of its runs' Redis keys.",
      },
    },
    parse: (v) => (v === undefined ? undefined : validateRunId(v, "--job-name")),
  }),
  onlyChanged: option({
    flag: "only-changed",
    type: "boolean",
    value: "",
    help: "rows equal to what the job last sent to their contact are unchanged, not sent (needs a job)",
    doc: "rows equal to what the job last sent are `unchanged` (needs a job)",
    commands: FILE_COMMANDS,
    job: { schema: { ...SWITCH, description: "Send only values that differ from the last ones sent (default false)." } },
    parse: (v) => v === true,
  }),
  forget: option({
    flag: "forget",
    type: "boolean",
    value: "",
    help: "forget what the job sent before: every row of this run is sent",
    doc: "forget what the job sent: this run sends every row",
    commands: FILE_COMMANDS,
    parse: (v) => v === true,
  }),
  notify: option({
    flag: "notify",
    type: "string",
    value: "URL",
    help: "a webhook POSTed summary.json when a job's run ends (finished, stopped or cancelled)",
    doc: "webhook told when a job's run ends",
    docDefault: "a job file's `notify`",
    commands: FILE_COMMANDS,
    job: { schema: { type: "string", pattern: "^https?://[^\\s]+$", "x-expects": "an http or https URL", description: "A webhook told when a run ends." } },
    parse: parseNotify,
  }),
  /** Never a job-file key: job files are shared and committed; the environment keeps it out of `ps` too. */
  notifySecret: option({
    flag: "notify-secret",
    type: "string",
    value: "SECRET",
    env: "CONNECT_BACKFILL_NOTIFY_SECRET",
    help: "shared secret: the webhook gets X-Connect-Backfill-Signature: sha256=HMAC-SHA256(body) (prefer the env CONNECT_BACKFILL_NOTIFY_SECRET)",
    doc: "signs the webhook: `X-Connect-Backfill-Signature: sha256=<HMAC-SHA256 of the body>` (prefer the environment: a flag shows in `ps`)",
    commands: ["run", "enqueue", "work", "report", "cancel", "retry", "rollback"],
    parse: (v) => (v === undefined || v === "" ? undefined : v),
  }),
  dryRun: option({
    flag: "dry-run",
    type: "boolean",
    value: "",
    help: "check and plan the whole file and write the reports of what would happen (would_update...), the calls and how long at --rate; send nothing",
    doc: "check and plan the file, write the reports of what would happen, send nothing (see [big-backfill.md](big-backfill.md))",
    commands: FILE_COMMANDS,
    job: { schema: { ...SWITCH, description: "Check and plan the file and write the reports of what would happen; send nothing (default false)." } },
    parse: (v) => v === true,
  }),
  canary: option({
    flag: "canary",
    type: "number",
    value: "N",
    help: "send the first N rows that need a call, write their reports and pause the run (exit 4) until resume or cancel",
    doc: "send the first N rows that need a call, then pause the run (exit 4) until `resume` or `cancel`",
    commands: FILE_COMMANDS,
    job: {
      schema: {
        type: "integer",
        minimum: 1,
        "x-expects": "a whole number above 0",
        description: "Send the first N rows that need a call, then pause the run until resume or cancel.",
      },
    },
    parse: (v, ctx) => (v === undefined ? undefined : positive(ctx.flag, v, true)),
  }),
  captureBefore: option({
    flag: "capture-before",
    type: "boolean",
    value: "",
    help: "read each contact's attributes before writing (GetContactAttributes) and keep them for rollback; a contact pushed past 32,768 bytes fails unsent",
    doc: "read each contact's attributes before writing and keep them for `rollback` (UpdateContactAttributes only)",
    commands: FILE_COMMANDS,
    job: {
      schema: {
        ...SWITCH,
        description: "Read each contact's attributes before writing and keep them for rollback (UpdateContactAttributes only; default false).",
      },
    },
    parse: (v) => v === true,
  }),
  lookupStartTime: option({
    flag: "lookup-start-time",
    type: "boolean",
    value: "",
    help: "rows without initiationTimestamp get the contact's start from DescribeContact before the pre-API and retention rules",
    doc: "rows without `initiationTimestamp` get the contact's start from DescribeContact",
    commands: FILE_COMMANDS,
    job: { schema: { ...SWITCH, description: "Rows without initiationTimestamp get the contact's start from DescribeContact (default false)." } },
    // --follow-initial needs the contact's chain, which the look-up reads.
    parse: (v, ctx) => v === true || ctx.flags["follow-initial"] === true,
  }),
  followInitial: option({
    flag: "follow-initial",
    type: "boolean",
    value: "",
    help: "with the look-up: a row naming a transfer leg is sent to its chain's initial contact instead of failing (implies --lookup-start-time)",
    doc: "a row naming a transfer leg is sent to its chain's initial contact (implies `--lookup-start-time`)",
    commands: FILE_COMMANDS,
    job: {
      schema: { ...SWITCH, description: "A row naming a transfer leg is sent to its chain's initial contact (implies lookupStartTime; default false)." },
    },
    parse: (v) => v === true,
  }),
};
