import type { Config } from "../config/loadConfig.js";
import { BackfillError, type ExitCategory } from "../lib/errors.js";

export { EXIT, exitCodeOf } from "../app/exitCode.js";

/** Ends a command with one sentence; main prints the sentence, never a stack trace. */
export class CliError extends BackfillError {
  override readonly name = "CliError";
  readonly code: string;
  constructor(
    message: string,
    override readonly category: ExitCategory,
  ) {
    super(message);
    this.code = category;
  }
}

export const usageError = (message: string) => new CliError(message, "usage");
export const fatalError = (message: string) => new CliError(message, "cannot-run");

/**
 * `retry` and `rollback` make their run from another run's outcomes: a dry run or
 * a canary of it is not built, and the look-ups and before-images follow their parent
 * (a rollback always captures). Said, never silently ignored.
 */
export function refuseFileSafety(config: Config, command: string): void {
  const given = (
    [
      ["--dry-run", config.dryRun],
      ["--canary", config.canary !== undefined],
      ["--capture-before", config.captureBefore],
      ["--lookup-start-time", config.lookupStartTime],
      ["--follow-initial", config.followInitial],
    ] as const
  ).find(([, on]) => on);
  if (given) {
    throw usageError(
      `${command} does not take ${given[0]}: its rows come from the parent run's outcomes and keep that run's settings; use ${given[0]} on run or enqueue`,
    );
  }
}
