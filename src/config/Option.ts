/** How the command line types a flag's value. */
export type FlagType = "string" | "number" | "boolean";
/** A command's flags by name (without `--`), as the argument parser reads them. */
export type FlagSpec = Record<string, FlagType>;
export type FlagValue<T extends FlagType> = T extends "number" ? number : T extends "boolean" ? boolean : string;

export const COMMAND_NAMES = [
  "run",
  "enqueue",
  "work",
  "status",
  "report",
  "retry",
  "rollback",
  "resume",
  "cancel",
  "prune",
  "schedule",
  "history",
  "simulate",
  "dashboard",
  "check",
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** Every command that opens Redis (all but the simulator). */
export const REDIS_COMMANDS: readonly CommandName[] = COMMAND_NAMES.filter((c) => c !== "simulate");
/** Commands that queue a file or rows: they take what a run is. */
export const QUEUEING_COMMANDS: readonly CommandName[] = ["run", "enqueue", "retry", "rollback"];
/** Commands that read a file into a new run: a retry or a rollback takes its rows, and these settings, from its parent. */
export const FILE_COMMANDS: readonly CommandName[] = ["run", "enqueue"];
/** Commands that work a queue: they take the pace and the client's settings. */
export const WORKING_COMMANDS: readonly CommandName[] = ["run", "work", "retry", "rollback"];

/** A flag as `--help` shows it. */
export interface FlagDoc {
  readonly flag: string;
  readonly type: FlagType;
  /** The value's placeholder in help (N, MS, URL); "" for a switch. */
  readonly value: string;
  /** The help line; `{default}` stands for the option's default. */
  readonly help: string;
  readonly commands: readonly CommandName[];
}

/** A job file key's JSON Schema; `x-expects` ends the sentence `"<key>" must be …` that a wrong value gets. */
export type JobSchemaProperty = { readonly "x-expects": string; readonly description: string } & Readonly<Record<string, unknown>>;

/** How a job file gives an option: under the option's own name unless `key` says otherwise. */
export interface JobKey {
  readonly key?: string;
  readonly schema: JobSchemaProperty;
  /** A path, relative to the job file's folder. */
  readonly path?: boolean;
}

/** What an option's parse sees besides its own value: cross-option rules read the other flags. */
export interface ParseContext {
  readonly flag: string;
  readonly flags: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly env: NodeJS.ProcessEnv;
  readonly interactive: boolean;
  /** `work --run-id A,B`: a list of runs, not one to name. */
  readonly runIdList: boolean;
}

/**
 * One option of the configuration, declared once: the flag, its environment
 * variable and job-file key, its default, its docs, and the check that turns
 * the value given into the Config field named by the option's key in OPTIONS.
 */
export interface OptionSpec<F extends string = string, T extends FlagType = FlagType, D = unknown, R = unknown, J extends JobKey | undefined = JobKey | undefined>
  extends FlagDoc {
  readonly flag: F;
  readonly type: T;
  /** Read when the flag is not given. */
  readonly env?: string;
  /** A variable the AWS SDK reads for itself: named in the docs, not read here. */
  readonly sdkEnv?: string;
  /** How the environment's text becomes a value when the type's own reading will not do. */
  readonly fromEnv?: (raw: string, name: string) => FlagValue<T> | undefined;
  readonly default?: D;
  /** Shown beside the default in the docs: ms, s, rows... */
  readonly unit?: string;
  /** The configuration table's "meaning" column (docs/configuration.md). */
  readonly doc: string;
  /** The configuration table's "default" column when the value alone does not say it. */
  readonly docDefault?: string;
  readonly job?: J;
  readonly parse: (value: D extends undefined ? FlagValue<T> | undefined : FlagValue<T>, ctx: ParseContext) => R;
}

/** Declares an option; the type parameters keep each entry's flag, type and parsed value for Config and ConfigFlags. */
export function option<F extends string, T extends FlagType, R, D extends FlagValue<T> | undefined = undefined, const J extends JobKey | undefined = undefined>(
  spec: OptionSpec<F, T, D, R, J>,
): OptionSpec<F, T, D, R, J> & (J extends undefined ? unknown : { readonly job: J }) {
  return spec as OptionSpec<F, T, D, R, J> & (J extends undefined ? unknown : { readonly job: J });
}
