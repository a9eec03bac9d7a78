import { JOB_OPTION_KEYS, type JobOptionSchemas } from "../config/options.js";

/** The keys that are options (rate, canary, name...), each declared with its option in config/options.ts. */
const { name, ...OPTION_PROPERTIES } = Object.fromEntries(JOB_OPTION_KEYS.map((k) => [k.jobKey, k.schema])) as JobOptionSchemas;

/** The job's own keys: its input and column mapping, then (after the options) its schedule. */
const EDITOR_PROPERTIES = {
  $schema: { type: "string", "x-expects": "a string (the schema's address, for editors)", description: "For editors; ignored." },
} as const;

const JOB_PROPERTIES = {
  input: {
    type: "string",
    minLength: 1,
    "x-expects": "a file path relative to the job file, * and ? allowed in the file name",
    description: "The input file, relative to the job file's folder. * and ? in the file name (not in folders) pick the newest matching file.",
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
} as const;

const share = (description: string) => ({ type: "number", minimum: 0, maximum: 1, "x-expects": "a share from 0 to 1 (0.05 for 5%)", description }) as const;

/** A night's bounds (domain/run/nightGuards.ts), checked before anything is sent. */
const GUARD_PROPERTIES = {
  guards: {
    type: "object",
    "x-expects": 'an object of bounds such as {"minRows": 1000, "rowCountDeviation": 0.5, "changedShareAbove": 0.2, "maxInvalidShare": 0.05}',
    description: "Bounds on a night, judged over its input before anything is sent; a breached one makes the run paused (exit 4) until resume or cancel.",
    additionalProperties: false,
    properties: {
      minRows: { type: "integer", minimum: 0, "x-expects": "a whole number of rows (0 or more)", description: "Fewer rows than this pauses the night." },
      rowCountDeviation: share("A row count further than this share from the median of the job's last nights pauses (0.5: within 50%)."),
      changedShareAbove: share("A changed share more than this many points above the job's usual one pauses (0.2: 20 points)."),
      maxInvalidShare: share("A share of invalid rows above this pauses (0.05: more than 5%)."),
      nights: {
        type: "integer",
        minimum: 1,
        maximum: 100,
        "x-expects": "a whole number of nights from 1 to 100",
        description: "How many of the job's last finished nights make the median and the usual share (default 7).",
      },
    },
  },
} as const;

const SCHEDULE_PROPERTIES = {
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
} as const;

/**
 * The job file's JSON Schema (draft-07), built from the job's own keys and the options'. job.schema.json is the same object for
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
  // `name` (the job-name option) first: a key nothing like ours is answered with this list of keys.
  properties: { ...EDITOR_PROPERTIES, name, ...JOB_PROPERTIES, ...OPTION_PROPERTIES, ...GUARD_PROPERTIES, ...SCHEDULE_PROPERTIES },
} as const;
