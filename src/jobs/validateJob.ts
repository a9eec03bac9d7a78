import { Ajv, type ErrorObject } from "ajv";
import { ConfigError } from "../config/ConfigError.js";
import { parseDateFlag } from "../config/optionChecks.js";
import { OPTIONS } from "../config/options.js";
import { columnMappingOf, mappingProblem } from "./columnMapping.js";
import type { JobFile } from "./JobFile.js";
import { JobFileError } from "./JobFileError.js";
import { JOB_SCHEMA } from "./jobSchema.js";
import { closest } from "../lib/closest.js";

// allErrors: an unknown key is said before a missing one (a typo of "input" is both). verbose: errors carry their schema's x-expects.
const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
ajv.addKeyword({ keyword: "x-expects", schemaType: "string" });
const validate = ajv.compile<JobFile>(JOB_SCHEMA);

const COLUMN_OBJECT_KEYS = Object.keys(JOB_SCHEMA.properties.columns.additionalProperties.properties);
const GUARD_KEYS = Object.keys(JOB_SCHEMA.properties.guards.properties);
const GUARD_BOUNDS = GUARD_KEYS.filter((k) => k !== "nights");
const TOP_KEYS = Object.keys(JOB_SCHEMA.properties);

/** `"rate"` at the top, `columns["Email"].case` below it. */
function keyOf(instancePath: string): string {
  const parts = instancePath
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (parts.length === 0) return "the job";
  const [top, ...rest] = parts as [string, ...string[]];
  if (rest.length === 0) return JSON.stringify(top);
  // Bounds are keys of their own, not names the user chose: "guards.minRows".
  if (top === "guards") return JSON.stringify(`${top}.${rest.join(".")}`);
  return top + rest.map((p, i) => (i === 0 ? `[${JSON.stringify(p)}]` : `.${p}`)).join("");
}

function shown(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value !== null && typeof value === "object") return "an object";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function sentence(e: ErrorObject): string {
  if (e.keyword === "additionalProperties") {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    const known = e.instancePath === "" ? TOP_KEYS : e.instancePath === "/guards" ? GUARD_KEYS : COLUMN_OBJECT_KEYS;
    const near = closest(extra, known);
    const hint = near === undefined ? ` (known keys: ${known.filter((k) => k !== "$schema").join(", ")})` : ` (did you mean ${JSON.stringify(near)}?)`;
    return e.instancePath === "" ? `unknown key ${JSON.stringify(extra)}${hint}` : `${keyOf(e.instancePath)} has an unknown key ${JSON.stringify(extra)}${hint}`;
  }
  if (e.keyword === "required") return `missing the required key ${JSON.stringify((e.params as { missingProperty: string }).missingProperty)}`;
  const expects = (e.parentSchema as { "x-expects"?: string } | undefined)?.["x-expects"] ?? `valid (${e.message ?? e.keyword})`;
  return `${keyOf(e.instancePath)} must be ${expects}, got ${shown(e.data)}`;
}

function rank(e: ErrorObject): number {
  return e.keyword === "additionalProperties" ? 0 : e.keyword === "required" ? 1 : 2;
}

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks a parsed job file against job.schema.json, then what a schema cannot
 * say (a real date, a known time zone, a mapping that makes sense). Throws a
 * JobFileError of one sentence naming `file` and the key.
 */
export function validateJob(value: unknown, file: string): JobFile {
  const fail = (text: string): never => {
    throw new JobFileError(`${file}: ${text}.`);
  };
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    fail(`must hold a JSON object such as {"name": "nightly-crm", "input": "exports/contacts.csv"}, got ${shown(value)}`);
  }
  if (!validate(value)) {
    const errors = [...(validate.errors ?? [])].sort((a, b) => rank(a) - rank(b));
    return fail(errors[0] === undefined ? "is not a valid job file" : sentence(errors[0]));
  }
  const job = value;
  if (/^\d+$/.test(job.name) || /^\.+$/.test(job.name)) fail(`"name" must be ${OPTIONS.jobName.job.schema["x-expects"]}, got ${shown(job.name)}`);
  if (job.input.trim() === "-") fail(`"input" must be a file: a job cannot read standard input`);
  if (/[*?]/.test(job.input.replace(/\\/g, "/").split("/").slice(0, -1).join("/"))) {
    fail(`"input" may use * and ? only in the file name, not in its folders, got ${shown(job.input)}`);
  }
  if (job.delimiter !== undefined) {
    const d = job.delimiter === "tab" || job.delimiter === "\\t" ? "\t" : job.delimiter;
    if (d.length !== 1 || d === '"' || d === "\n" || d === "\r" || d.charCodeAt(0) > 127) {
      fail(`"delimiter" must be ${OPTIONS.delimiter.job.schema["x-expects"]}, got ${shown(job.delimiter)}`);
    }
  }
  if (job.minContactDate !== undefined) {
    let real: boolean;
    try {
      // Date parsing rolls 2018-02-30 over into March: the day must come back as written.
      parseDateFlag("min-contact-date", job.minContactDate);
      const day = job.minContactDate.slice(0, 10);
      real = new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) === day;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      real = false;
    }
    if (!real) {
      fail(`"minContactDate" must be a real date such as 2018-09-12, got ${shown(job.minContactDate)}`);
    }
  }
  if (job.timezone !== undefined && !validTimeZone(job.timezone))
    fail(`"timezone" must be ${JOB_SCHEMA.properties.timezone["x-expects"]}, got ${shown(job.timezone)}`);
  if (job.guards !== undefined && !GUARD_BOUNDS.some((k) => (job.guards as Record<string, unknown>)[k] !== undefined))
    fail(`"guards" sets no bound: give at least one of ${GUARD_BOUNDS.join(", ")}`);
  if (job.columns !== undefined || job.constants !== undefined) {
    const jsonl = job.format === "jsonl" || (job.format === undefined && /\.(jsonl|ndjson)$/i.test(job.input));
    if (jsonl) fail(`${job.columns !== undefined ? '"columns"' : '"constants"'} applies to CSV input only, and this job's input is JSONL`);
    const problem = mappingProblem(columnMappingOf(job) ?? {});
    if (problem) fail(`${problem.key} ${problem.problem}`);
  }
  return job;
}
