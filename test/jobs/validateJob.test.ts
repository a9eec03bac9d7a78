import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { JobFileError } from "../../src/jobs/JobFileError.js";
import { JOB_SCHEMA } from "../../src/jobs/jobSchema.js";
import { validateJob } from "../../src/jobs/validateJob.js";
import { OPERATION_NAMES } from "../../src/operations/Operation.js";

const FILE = "jobs/nightly.json";
const base = { name: "nightly-crm", input: "exports/contacts-*.csv" };

const full = {
  name: "nightly-crm",
  input: "exports/contacts-*.csv",
  instanceId: "11111111-2222-3333-4444-555555555555",
  operation: "UpdateContactAttributes",
  format: "csv",
  delimiter: ";",
  columns: {
    "Contact ID": "contactId",
    Started: "initiationTimestamp",
    "Case Owner": "caseOwner",
    "Internal Notes": null,
    Email: { to: "email", trim: true, case: "lower" },
  },
  constants: { source: "crm-nightly", batch: 7, vip: false },
  onlyChanged: true,
  rate: 8,
  concurrency: 16,
  chunkSize: 500,
  maxContactAge: "24mo",
  minContactDate: "2018-09-12",
  endpoint: "http://127.0.0.1:4566",
  region: "us-east-1",
  reportsDir: "reports",
  schedule: "0 2 * * *",
  timezone: "UTC",
  notify: "https://hooks.example.com/connect-backfill",
  guards: { minRows: 1000, rowCountDeviation: 0.5, changedShareAbove: 0.2, maxInvalidShare: 0.05, nights: 7 },
};

function problem(value: unknown): string {
  try {
    validateJob(value, FILE);
  } catch (err) {
    expect(err).toBeInstanceOf(JobFileError);
    const message = (err as Error).message;
    // One sentence that names the file.
    expect(message.startsWith(`${FILE}: `)).toBe(true);
    expect(message).toMatch(/[.]$/);
    expect(message).not.toContain("\n");
    return message.slice(FILE.length + 2);
  }
  throw new Error("no error");
}

describe("validateJob", () => {
  it("takes every key of the format", () => {
    expect(validateJob(full, FILE)).toBe(full);
  });

  it("takes the two required keys alone", () => {
    expect(validateJob(base, FILE)).toEqual(base);
  });

  it.each([
    ["a $schema key for editors", { $schema: "../src/jobs/job.schema.json" }],
    ["a name with dots, dashes, underscores", { name: "crm.nightly_v-2" }],
    ["64 characters of name", { name: "a".repeat(64) }],
    ["UpdateContact", { operation: "UpdateContact" }],
    ["jsonl", { format: "jsonl", input: "a.jsonl" }],
    ["tab delimiter", { delimiter: "tab" }],
    ["max age in days", { maxContactAge: "730d" }],
    ["max age off", { maxContactAge: "0" }],
    ["max age in upper case", { maxContactAge: "24MO" }],
    ["a date and time", { minContactDate: "2020-01-02T03:04:05Z" }],
    ["a date and time east of UTC", { minContactDate: "2018-09-12T01:00:00+05:00" }],
    ["a fractional rate", { rate: 0.5 }],
    ["a time zone", { timezone: "Europe/Berlin" }],
    ["a column object with no rename", { columns: { Email: { trim: true } } }],
    ["a constant sharing a mapped name", { columns: { Owner: "owner" }, constants: { owner: "nobody" } }],
    ["an absolute input", { input: "/data/exports/contacts.csv" }],
  ])("takes %s", (_name, extra) => {
    expect(() => validateJob({ ...base, ...extra }, FILE)).not.toThrow();
  });

  const bad: Array<[name: string, value: unknown, says: string]> = [
    ["an array", [], 'must hold a JSON object such as {"name": "nightly-crm", "input": "exports/contacts.csv"}, got a list.'],
    ["a string", "nightly", "must hold a JSON object"],
    ["null", null, "got null."],
    ["no name", { input: "a.csv" }, 'missing the required key "name".'],
    ["no input", { name: "n" }, 'missing the required key "input".'],
    ["a typo of a key", { ...base, colums: {} }, 'unknown key "colums" (did you mean "columns"?).'],
    ["a typo of a required key says the typo first", { name: "n", inptu: "a.csv" }, 'unknown key "inptu" (did you mean "input"?).'],
    ["a key in another case", { ...base, InstanceId: "x" }, 'unknown key "InstanceId" (did you mean "instanceId"?).'],
    ["a key nothing like ours", { ...base, frobnicate: 1 }, 'unknown key "frobnicate" (known keys: name, input,'],
    ["a flag's spelling", { ...base, "chunk-size": 5 }, 'unknown key "chunk-size" (did you mean "chunkSize"?).'],
    ["a rate that is text", { ...base, rate: "fast" }, '"rate" must be a number above 0, got "fast".'],
    ["a rate of 0", { ...base, rate: 0 }, '"rate" must be a number above 0, got 0.'],
    ["a negative rate", { ...base, rate: -1 }, '"rate" must be a number above 0, got -1.'],
    ["a fractional concurrency", { ...base, concurrency: 1.5 }, '"concurrency" must be a whole number above 0, got 1.5.'],
    ["a chunk too big", { ...base, chunkSize: 20000 }, '"chunkSize" must be a whole number from 1 to 10000, got 20000.'],
    ["a name of digits", { ...base, name: "123" }, '"name" must be 1-64 letters, digits, "_", "-" or "." and not only digits or dots, got "123".'],
    ["a name of dots", { ...base, name: ".." }, '"name" must be 1-64'],
    ["a name with a space", { ...base, name: "nightly crm" }, '"name" must be 1-64'],
    ["a name too long", { ...base, name: "a".repeat(65) }, '"name" must be 1-64'],
    ["an empty name", { ...base, name: "" }, '"name" must be 1-64'],
    ["an empty input", { ...base, input: "" }, '"input" must be a file path relative to the job file'],
    ["standard input", { ...base, input: "-" }, '"input" must be a file: a job cannot read standard input.'],
    [
      "a wildcard in a folder",
      { ...base, input: "exports/*/contacts.csv" },
      '"input" may use * and ? only in the file name, not in its folders, got "exports/*/contacts.csv".',
    ],
    [
      "an unknown operation",
      { ...base, operation: "UpdateContactAttribute" },
      '"operation" must be "UpdateContactAttributes" or "UpdateContact", got "UpdateContactAttribute".',
    ],
    ["an unknown format", { ...base, format: "xlsx" }, '"format" must be "csv" or "jsonl", got "xlsx".'],
    [
      "a two-character delimiter",
      { ...base, delimiter: ";;" },
      '"delimiter" must be one ASCII character such as ";" or "|" (or "tab"), not a quote or a line end, got ";;".',
    ],
    ["a quote delimiter", { ...base, delimiter: '"' }, '"delimiter" must be one ASCII character'],
    ["a boolean as text", { ...base, onlyChanged: "yes" }, '"onlyChanged" must be true or false, got "yes".'],
    [
      "an age without unit",
      { ...base, maxContactAge: "24" },
      '"maxContactAge" must be days, weeks, months or years such as 730d or 24mo (24m would be minutes), or 0 (no limit), got "24".',
    ],
    ["an age of 0 months", { ...base, maxContactAge: "0mo" }, '"maxContactAge" must be days, weeks, months'],
    ["an age in minutes", { ...base, maxContactAge: "24m" }, "(24m would be minutes)"],
    [
      "an age as a number",
      { ...base, maxContactAge: 24 },
      '"maxContactAge" must be days, weeks, months or years such as 730d or 24mo (24m would be minutes), or 0 (no limit), got 24.',
    ],
    ["a date in another format", { ...base, minContactDate: "12/09/2018" }, '"minContactDate" must be an ISO-8601 date such as 2018-09-12, got "12/09/2018".'],
    ["a date that does not exist", { ...base, minContactDate: "2018-02-30" }, '"minContactDate" must be a real date such as 2018-09-12, got "2018-02-30".'],
    ["an endpoint without scheme", { ...base, endpoint: "127.0.0.1:4566" }, '"endpoint" must be an http or https URL, got "127.0.0.1:4566".'],
    ["a region with capitals", { ...base, region: "US-EAST-1" }, '"region" must be an AWS region such as us-east-1, got "US-EAST-1".'],
    [
      "a four-field schedule",
      { ...base, schedule: "0 2 * *" },
      '"schedule" must be a cron expression of five fields such as "0 2 * * *" (or six, seconds first), got "0 2 * *".',
    ],
    ["an unknown time zone", { ...base, timezone: "Mars/Olympus" }, '"timezone" must be an IANA time zone such as "UTC" or "Europe/Berlin", got "Mars/Olympus".'],
    ["a notify that is not a URL", { ...base, notify: "ops@example.com" }, '"notify" must be an http or https URL, got "ops@example.com".'],
    ["an instance id too long", { ...base, instanceId: "x".repeat(101) }, '"instanceId" must be an instance id of 1-100 characters, got "xxxx'],
    ["columns as a list", { ...base, columns: ["a"] }, '"columns" must be an object from source header to a name, null or {"to", "trim", "case"}, got a list.'],
    [
      "a column to a number",
      { ...base, columns: { Email: 5 } },
      'columns["Email"] must be a name, null to drop the column, or an object such as {"to": "email", "trim": true, "case": "lower"}, got 5.',
    ],
    ["a column to an empty name", { ...base, columns: { Email: "" } }, 'columns["Email"] must be a name, null to drop the column'],
    ["a column to false", { ...base, columns: { Email: false } }, 'columns["Email"] must be a name, null to drop the column'],
    ["a typo in a column object", { ...base, columns: { Email: { too: "email" } } }, 'columns["Email"] has an unknown key "too" (did you mean "to"?).'],
    ["a case that is not lower or upper", { ...base, columns: { Email: { case: "title" } } }, 'columns["Email"].case must be "lower" or "upper", got "title".'],
    ["trim as text", { ...base, columns: { Email: { trim: "yes" } } }, 'columns["Email"].trim must be true or false, got "yes".'],
    ["to as a number", { ...base, columns: { Email: { to: 1 } } }, 'columns["Email"].to must be a non-empty name, got 1.'],
    ["a header with a slash", { ...base, columns: { "A/B": { case: "x" } } }, 'columns["A/B"].case must be'],
    [
      "two columns to one field",
      { ...base, columns: { Email: "email", "E-mail": { to: "email" } } },
      'columns["E-mail"].to gives the name "email" that columns["Email"] gives too; two columns cannot set one name.',
    ],
    [
      "two columns to the contact",
      { ...base, columns: { ID: "contactId", Contact: "initialContactId" } },
      'columns["Contact"] gives the name "initialContactId" that columns["ID"] gives too',
    ],
    [
      "a column to a # name",
      { ...base, columns: { Notes: "#notes" } },
      'columns["Notes"] must be a name that does not start with "#" (null drops the column), got "#notes".',
    ],
    ["a constant object", { ...base, constants: { source: { a: 1 } } }, 'constants["source"] must be a non-empty string, a number or a boolean, got an object.'],
    ["an empty constant", { ...base, constants: { source: "" } }, 'constants["source"] must be a non-empty string'],
    [
      "a constant instance id",
      { ...base, constants: { instanceId: "x" } },
      'constants["instanceId"] cannot set the contact\'s own column "instanceId"; constants add fields (the "instanceId" key gives rows that name no instance one).',
    ],
    [
      "a constant contact id",
      { ...base, constants: { ContactId: "x" } },
      'constants["ContactId"] cannot set the contact\'s own column "ContactId"; constants add fields.',
    ],
    [
      "columns for a JSONL input by extension",
      { ...base, input: "a.jsonl", columns: { a: "b" } },
      '"columns" applies to CSV input only, and this job\'s input is JSONL.',
    ],
    ["constants for a JSONL format", { ...base, format: "jsonl", constants: { a: "b" } }, '"constants" applies to CSV input only'],
    ["a share written as a percent", { ...base, guards: { maxInvalidShare: 5 } }, '"guards.maxInvalidShare" must be a share from 0 to 1 (0.05 for 5%), got 5.'],
    ["a share as text", { ...base, guards: { changedShareAbove: "20%" } }, '"guards.changedShareAbove" must be a share from 0 to 1 (0.05 for 5%), got "20%".'],
    ["a floor of part of a row", { ...base, guards: { minRows: 10.5 } }, '"guards.minRows" must be a whole number of rows (0 or more), got 10.5.'],
    [
      "no night to compare with",
      { ...base, guards: { rowCountDeviation: 0.5, nights: 0 } },
      '"guards.nights" must be a whole number of nights from 1 to 100, got 0.',
    ],
    ["a typo in a bound", { ...base, guards: { minRow: 10 } }, '"guards" has an unknown key "minRow" (did you mean "minRows"?).'],
    [
      "guards without a bound",
      { ...base, guards: { nights: 7 } },
      '"guards" sets no bound: give at least one of minRows, rowCountDeviation, changedShareAbove, maxInvalidShare.',
    ],
    ["guards that are not an object", { ...base, guards: true }, '"guards" must be an object of bounds such as {"minRows": 1000'],
  ];
  it.each(bad)("%s", (_name, value, says) => {
    expect(problem(value)).toContain(says);
  });

  it("a long value is shortened in the message", () => {
    expect(problem({ ...base, region: "x".repeat(500) }).length).toBeLessThan(160);
  });
});

describe("job.schema.json", () => {
  it("is the schema validateJob uses", () => {
    expect(JSON.parse(readFileSync(new URL("../../src/jobs/job.schema.json", import.meta.url), "utf8"))).toEqual(JOB_SCHEMA);
  });

  it("names the operations there are", () => {
    expect(JOB_SCHEMA.properties.operation.enum).toEqual(OPERATION_NAMES);
  });
});
