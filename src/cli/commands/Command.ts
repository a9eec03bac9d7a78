import type { Config } from "../../config/loadConfig.js";
import type { AppContext } from "../../app/context.js";
import type { LoadedJob } from "../../app/jobConfig.js";
import type { FlagSpec } from "../parseArgs.js";

export interface CommandInput {
  readonly config: Config;
  /** The job file given as the first argument (its settings are already in `config`). */
  readonly job?: LoadedJob;
  readonly positionals: string[];
  readonly flags: Record<string, string | number | boolean>;
}

/** One command of the command line: its flags and arguments, and how it maps a result to an exit code. */
export interface Command {
  readonly usage: string;
  /** A first argument ending in .json is a job file (run, enqueue, schedule). */
  readonly takesJobFile?: boolean;
  /** `--run-id` takes a comma-separated list (work): several runs, not one to create. */
  readonly runIdList?: boolean;
  readonly flags: FlagSpec;
  /** Why the options of other commands do not apply to this one (said when one is given). */
  readonly notTaken?: string;
  /** [min, max] positional arguments. */
  readonly positionals: readonly [number, number];
  run(input: CommandInput): Promise<number>;
}

/**
 * Opens Redis for a command and closes it however the command ends. `long-lived`
 * for commands that last as long as a run (they wait out a Redis restart);
 * `command` for the quick ones (they fail fast with one sentence).
 */
export async function withContext<T>(config: Config, kind: "long-lived" | "command", use: (ctx: AppContext) => Promise<T>): Promise<T> {
  // Loaded here, not at the top: Redis, BullMQ and the logger cost ~0.3 s that --version, help and usage errors never need.
  const { openContext } = await import("../../app/context.js");
  const ctx = await openContext(config, kind);
  try {
    return await use(ctx);
  } finally {
    await ctx.close();
  }
}
