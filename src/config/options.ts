import { BREAKER_OPTIONS } from "./breakerOptions.js";
import { COMMAND_FLAGS } from "./commandFlags.js";
import type { CommandName, FlagDoc, FlagSpec, FlagValue, JobSchemaProperty, OptionSpec } from "./Option.js";
import { PACE_OPTIONS } from "./paceOptions.js";
import { REDIS_OPTIONS } from "./redisOptions.js";
import { RUN_OPTIONS } from "./runOptions.js";

/**
 * Every option of the configuration, once, under its Config field's name. The
 * argument parser's flags, `--help`, the environment variables read, the job
 * file's keys (jobs/jobSchema.ts) and docs/configuration.md's table all come
 * from here; test/config/options.test.ts fails when a derived copy drifts.
 * The order is the table's in docs/configuration.md.
 */
export const OPTIONS = { ...RUN_OPTIONS, ...PACE_OPTIONS, ...BREAKER_OPTIONS, ...REDIS_OPTIONS };

type Options = typeof OPTIONS;
export type OptionKey = keyof Options;

/** Each option's value once checked: the fields of Config. */
export type OptionValues = { readonly [K in OptionKey]: ReturnType<Options[K]["parse"]> };

/** Values as the command line gives them (already typed by the argument parser). */
export type ConfigFlags = Partial<{ -readonly [K in OptionKey as Options[K]["flag"]]: FlagValue<Options[K]["type"]> }>;

type JobOf<K extends OptionKey> = NonNullable<Options[K]["job"]>;
type JobKeyOf<K extends OptionKey> = [JobOf<K>] extends [never] ? never : JobOf<K> extends { readonly key: infer N extends string } ? N : K;
/** What a job file may write for an option: one of its schema's `enum`, else a value of the flag's type. */
type JobValueOf<K extends OptionKey> = JobOf<K>["schema"] extends { readonly enum: readonly (infer E)[] } ? E : FlagValue<Options[K]["type"]>;
/** The job file's keys that are options (`name` is the job-name option's key; JobFile makes it required). */
export type JobOptionValues = { readonly [K in OptionKey as JobKeyOf<K>]?: JobValueOf<K> };
/** The JSON Schema of each job-file key that is an option. */
export type JobOptionSchemas = { readonly [K in OptionKey as JobKeyOf<K>]: JobOf<K>["schema"] };

export const OPTION_LIST: readonly (OptionSpec & { readonly key: OptionKey })[] = Object.entries(OPTIONS).map(([key, spec]) => ({
  ...(spec as OptionSpec),
  key: key as OptionKey,
}));

/** Every flag of the command line: the options', then the commands' own. */
export const ALL_FLAGS: readonly FlagDoc[] = [...OPTION_LIST, ...COMMAND_FLAGS];

const BY_FLAG = new Map(ALL_FLAGS.map((f) => [f.flag, f]));

/** The flags `command` takes, as the argument parser reads them. */
export function flagSpecOf(command: CommandName): FlagSpec {
  return Object.fromEntries(ALL_FLAGS.filter((f) => f.commands.includes(command)).map((f) => [f.flag, f.type]));
}

/** A flag's value placeholder and help line, its default filled in; undefined for a flag no table has. */
export function helpOf(flag: string): readonly [value: string, text: string] | undefined {
  const doc = BY_FLAG.get(flag);
  if (!doc) return undefined;
  const fallback = (doc as Partial<OptionSpec>).default;
  return [doc.value, doc.help.replace("{default}", String(fallback))];
}

/** Each option a job file can give: its key there, the flag it stands for, its JSON Schema, and whether it is a path. */
export interface JobOptionKey {
  readonly jobKey: string;
  readonly flag: string;
  readonly schema: JobSchemaProperty;
  readonly path: boolean;
}
export const JOB_OPTION_KEYS: readonly JobOptionKey[] = OPTION_LIST.flatMap((o) =>
  o.job ? [{ jobKey: o.job.key ?? o.key, flag: o.flag, schema: o.job.schema, path: o.job.path === true }] : [],
);
