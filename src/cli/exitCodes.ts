import { EXIT } from "../app/exitCode.js";

export { EXIT, exitCodeOf } from "../app/exitCode.js";

/** Ends a command with a code and one sentence; main prints the sentence, never a stack trace. */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(message, EXIT.usage);
export const fatalError = (message: string) => new CliError(message, EXIT.couldNotRun);
