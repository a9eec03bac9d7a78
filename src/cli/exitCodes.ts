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
