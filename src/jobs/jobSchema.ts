/**
 * The job file's JSON Schema (draft-07). job.schema.json is the same object for
 * editors and other tools (a test keeps the two equal): importing JSON as a
 * module needs Node 20.10+, and the build copies no .json file into dist.
 *
 * `x-expects` (an annotation ajv is told about) ends the sentence "<key> must be …"
 * that a wrong value gets; `description` is for people reading the schema.
 */
export const JOB_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "connect-backfill job file",
  description: "One recurring job: its input, column mapping, target and pace. Command-line flags win over it; it wins over the environment and the defaults.",
  type: "object",
  "x-expects": 'a JSON object such as {"name": "nightly-crm", "input": "exports/contacts.csv"}',
  required: ["name", "input"],
  additionalProperties: false,
  properties: {
    $schema: { type: "string", "x-expects": "a string (the schema's address, for editors)", description: "For editors; ignored." },
    name: {
      type: "string",
      pattern: "^[A-Za-z0-9_.-]{1,64}$",
      "x-expects": '1-64 letters, digits, "_", "-" or "." and not only digits or dots',
      description: "The job's name; part of its runs' Redis keys.",
    },
    input: {
      type: "string",
      minLength: 1,
      "x-expects": "a file path relative to the job file, * and ? allowed in the file name",
      description: "The input file, relative to the job file's folder. * and ? in the file name (not in folders) pick the newest matching file.",
    },
    instanceId: { type: "string", minLength: 1, maxLength: 100, "x-expects": "an instance id of 1-100 characters", description: "For rows that name no instance." },
    operation: {
      type: "string",
      enum: ["UpdateContactAttributes", "UpdateContact"],
      "x-expects": '"UpdateContactAttributes" or "UpdateContact"',
      description: "The API operation each row becomes (default UpdateContactAttributes).",
    },
    format: { type: "string", enum: ["csv", "jsonl"], "x-expects": '"csv" or "jsonl"', description: "Default: from the input's extension." },
    delimiter: {
      type: "string",
      minLength: 1,
      "x-expects": 'one character such as ";" or "|" (or "tab"), not a quote or a line end',
      description: 'CSV field separator (default ",").',
    },
    columns: {
      type: "object",
      "x-expects": 'an object from source header to a name, null or {"to", "trim", "case"}',
      description: "CSV only. Source header (as written) → a role (contactId, instanceId, initiationTimestamp) or field name, null to drop the column, or an object.",
      additionalProperties: {
        type: ["string", "null", "object"],
        minLength: 1,
        "x-expects": 'a name, null to drop the column, or an object such as {"to": "email", "trim": true, "case": "lower"}',
        additionalProperties: false,
        properties: {
          to: { type: "string", minLength: 1, "x-expects": "a non-empty name", description: "The role or field name (default: the header's own)." },
          trim: { type: "boolean", "x-expects": "true or false", description: "Take spaces off both ends of the value." },
          case: { type: "string", enum: ["lower", "upper"], "x-expects": '"lower" or "upper"', description: "Change the value's case." },
        },
      },
    },
    constants: {
      type: "object",
      "x-expects": 'an object from field name to value, such as {"source": "crm-nightly"}',
      description: "CSV only. Fields added to every row that has no non-empty cell of that name.",
      additionalProperties: { type: ["string", "number", "boolean"], minLength: 1, "x-expects": "a non-empty string, a number or a boolean" },
    },
    onlyChanged: { type: "boolean", "x-expects": "true or false", description: "Send only values that differ from the last ones sent (default false)." },
    dryRun: {
      type: "boolean",
      "x-expects": "true or false",
      description: "Check and plan the file and write the reports of what would happen; send nothing (default false).",
    },
    canary: {
      type: "integer",
      minimum: 1,
      "x-expects": "a whole number above 0",
      description: "Send the first N rows that need a call, then pause the run until resume or cancel.",
    },
    captureBefore: {
      type: "boolean",
      "x-expects": "true or false",
      description: "Read each contact's attributes before writing and keep them for rollback (UpdateContactAttributes only; default false).",
    },
    lookupStartTime: {
      type: "boolean",
      "x-expects": "true or false",
      description: "Rows without initiationTimestamp get the contact's start from DescribeContact (default false).",
    },
    followInitial: {
      type: "boolean",
      "x-expects": "true or false",
      description: "A row naming a transfer leg is sent to its chain's initial contact (implies lookupStartTime; default false).",
    },
    rate: { type: "number", exclusiveMinimum: 0, "x-expects": "a number above 0", description: "Requests per second across every worker (default 10)." },
    headroom: {
      type: "number",
      minimum: 0,
      maximum: 0.9,
      "x-expects": "a share from 0 to 0.9",
      description: "Share of the rate found safe left to the account's other callers (default 0.1).",
    },
    concurrency: { type: "integer", minimum: 1, "x-expects": "a whole number above 0", description: "In-flight calls per worker process (default 16)." },
    chunkSize: {
      type: "integer",
      minimum: 1,
      maximum: 10000,
      "x-expects": "a whole number from 1 to 10000",
      description: "Rows per queued chunk (default 500; at most 10,000, as --chunk-size).",
    },
    maxContactAge: {
      type: "string",
      pattern: "^(0|[1-9][0-9]{0,4}([mM][oO]|[dD]))$",
      "x-expects": "months such as 24mo, days such as 730d, or 0 (no limit)",
      description: "Rows of older contacts are skipped_expired (default 24mo).",
    },
    minContactDate: {
      type: "string",
      pattern: "^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:?\\d{2})?)?$",
      "x-expects": "an ISO-8601 date such as 2018-09-12",
      description: "Rows of contacts started earlier are skipped_pre_api.",
    },
    endpoint: {
      type: "string",
      pattern: "^https?://[^\\s]+$",
      "x-expects": "an http or https URL",
      description: "The Connect endpoint (the simulator, a VPC endpoint).",
    },
    region: { type: "string", pattern: "^[a-z0-9-]{1,50}$", "x-expects": "an AWS region such as us-east-1", description: "The AWS region." },
    reportsDir: {
      type: "string",
      minLength: 1,
      "x-expects": "a folder path relative to the job file",
      description: "Where report folders go, relative to the job file (default ./reports).",
    },
    schedule: {
      type: "string",
      pattern: "^\\s*\\S+(\\s+\\S+){4,5}\\s*$",
      "x-expects": 'a cron expression of five fields such as "0 2 * * *" (or six, seconds first)',
      description: "When a scheduler runs the job (minute hour day-of-month month day-of-week; a sixth field first gives seconds).",
    },
    timezone: {
      type: "string",
      minLength: 1,
      "x-expects": 'an IANA time zone such as "UTC" or "Europe/Berlin"',
      description: "The schedule's time zone (default UTC).",
    },
    notify: { type: "string", pattern: "^https?://[^\\s]+$", "x-expects": "an http or https URL", description: "A webhook told when a run ends." },
  },
} as const;
