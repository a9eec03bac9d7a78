import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { usageWithFlags } from "../../src/cli/flagHelp.js";
import { parseArgs } from "../../src/cli/parseArgs.js";
import { configTable, TABLE_END, TABLE_START } from "../../src/config/configTable.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { COMMAND_NAMES, type FlagValue, type OptionSpec } from "../../src/config/Option.js";
import { ALL_FLAGS, flagSpecOf, helpOf, JOB_OPTION_KEYS, OPTION_LIST } from "../../src/config/options.js";
import { jobFlags } from "../../src/jobs/jobFlags.js";
import { JOB_SCHEMA } from "../../src/jobs/jobSchema.js";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");
const FIX = "run `npx tsx scripts/write-option-docs.ts`";

/** A value of the option's type, unlike its default where that is possible (every option reads it the same way). */
const SAMPLES: Record<string, string> = { operation: "UpdateContact", format: "jsonl", delimiter: ";", "max-contact-age": "90d", "log-level": "debug" };
function sample(o: OptionSpec): FlagValue<typeof o.type> {
  // A value other than the default: a switch on by default (--failures-workbook) is sampled off.
  if (o.type === "boolean") return o.default !== true;
  if (o.type === "number") return typeof o.default === "number" ? o.default * 2 : 3;
  return SAMPLES[o.flag] ?? "x";
}

/** The values a load gives (which flags were given is provenance, not a value: a variable and its flag differ there). */
function outcome(load: () => unknown): unknown {
  try {
    const { given: _given, ...values } = load() as Record<string, unknown>;
    return values;
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`;
  }
}

describe("the table of options", () => {
  it("declares each flag, variable and job key once", () => {
    const twice = (names: readonly string[]) => names.filter((n, i) => names.indexOf(n) !== i);
    expect(twice(ALL_FLAGS.map((f) => f.flag))).toEqual([]);
    expect(twice(OPTION_LIST.flatMap((o) => (o.env ? [o.env] : [])))).toEqual([]);
    expect(twice(JOB_OPTION_KEYS.map((k) => k.jobKey))).toEqual([]);
  });

  it.each(ALL_FLAGS.map((f) => [f.flag, f] as const))("--%s has a help line, a known type and at least one command", (_flag, f) => {
    expect(f.help).not.toBe("");
    expect(["string", "number", "boolean"]).toContain(f.type);
    expect(f.value === "").toBe(f.type === "boolean");
    expect(f.commands.length).toBeGreaterThan(0);
    expect(helpOf(f.flag)?.[1]).not.toContain("{default}");
  });
});

describe("flags and help, per command", () => {
  it.each([...COMMAND_NAMES])("%s: parses every flag the table gives it, refuses the others, and lists each in its help", (command) => {
    const spec = flagSpecOf(command);
    const help = usageWithFlags(`connect-backfill ${command}`, spec);
    for (const f of ALL_FLAGS) {
      if (!f.commands.includes(command)) {
        expect(() => parseArgs([`--${f.flag}`], spec, command)).toThrow(`${command}: unknown option --${f.flag}`);
        continue;
      }
      const given = f.type === "boolean" ? [`--${f.flag}`] : [`--${f.flag}`, f.type === "number" ? "3" : "x"];
      expect(parseArgs(given, spec, command).flags).toEqual({ [f.flag]: f.type === "boolean" ? true : f.type === "number" ? 3 : "x" });
      const [value, text] = helpOf(f.flag) ?? ["", ""];
      expect(help).toMatch(
        new RegExp(`^  --${f.flag}${value ? ` ${value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}` : ""} +${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m"),
      );
    }
    expect(help.split("\n").filter((l) => l.startsWith("  --"))).toHaveLength(Object.keys(spec).length + 1);
  });
});

describe("defaults and the environment", () => {
  it.each(OPTION_LIST.filter((o) => o.default !== undefined).map((o) => [o.flag, o] as const))("--%s: its default is what Config holds", (_f, o) => {
    expect(loadConfig({}, {})[o.key]).toEqual(loadConfig({ [o.flag]: o.default }, {})[o.key]);
  });

  it.each(OPTION_LIST.filter((o) => o.env !== undefined).map((o) => [o.flag, o] as const))(
    "--%s: its variable reads as the flag does, and the flag wins",
    (_f, o) => {
      const env = { [o.env as string]: String(sample(o)) };
      const viaEnv = outcome(() => loadConfig({}, env));
      expect(viaEnv).toEqual(outcome(() => loadConfig({ [o.flag]: sample(o) }, {})));
      expect(viaEnv).not.toEqual(outcome(() => loadConfig({}, {})));
      if (o.default !== undefined) expect(outcome(() => loadConfig({ [o.flag]: o.default }, env))).toEqual(outcome(() => loadConfig({}, {})));
    },
  );

  it("leaves variables to the AWS SDK where the table says so", () => {
    for (const o of OPTION_LIST.filter((x) => x.sdkEnv !== undefined)) {
      expect(loadConfig({}, { [o.sdkEnv as string]: "us-x-1" })[o.key]).toBeUndefined();
    }
  });
});

describe("job-file keys", () => {
  it.each(JOB_OPTION_KEYS.map((k) => [k.jobKey, k] as const))('"%s" becomes its flag, typed as the command line types it', (jobKey, k) => {
    const o = OPTION_LIST.find((x) => x.flag === k.flag) as OptionSpec;
    const value = jobKey === "name" ? "nightly" : sample(o);
    const flags = jobFlags({ name: "nightly", input: "a.csv", [jobKey]: value }, "/srv/jobs");
    expect(flags[k.flag]).toEqual(k.path ? `/srv/jobs/${String(value)}` : value);
    expect(typeof flags[k.flag]).toBe(flagSpecOf("run")[k.flag]);
    expect(JOB_SCHEMA.properties).toHaveProperty([jobKey], k.schema);
  });

  it("the schema's keys are the job's own and the options'", () => {
    const own = ["$schema", "input", "columns", "constants", "guards", "schedule", "timezone"];
    expect(Object.keys(JOB_SCHEMA.properties).sort()).toEqual([...own, ...JOB_OPTION_KEYS.map((k) => k.jobKey)].sort());
  });
});

describe("files derived from the table", () => {
  it(`docs/configuration.md's table is the table's (${FIX})`, () => {
    const readme = read("docs/configuration.md");
    const start = readme.indexOf(TABLE_START);
    const end = readme.indexOf(TABLE_END);
    expect(start, "docs/configuration.md has the table's start marker").toBeGreaterThan(-1);
    expect(readme.slice(start + TABLE_START.length, end).trim()).toBe(configTable());
  });

  it(`the configuration table has a row per option`, () => {
    expect(configTable().split("\n").slice(2)).toHaveLength(OPTION_LIST.length);
  });

  it(`src/jobs/job.schema.json is the schema built from the table (${FIX})`, () => {
    expect(JSON.parse(read("src/jobs/job.schema.json"))).toEqual(JOB_SCHEMA);
  });
});
