/**
 * How an error ends the command line: `usage` (the command was given wrongly:
 * exit 2) or `cannot-run` (it was given rightly but cannot be done now: exit 1).
 * The command line maps a category to its exit code in one place (cli/main.ts).
 */
export type ExitCategory = "usage" | "cannot-run";

/**
 * An error a person should read: one sentence that says what is wrong and what
 * to do, printed as it is (never a stack trace). `code` is stable, for programs
 * and for telling errors apart without reading their text; `category` says how
 * the command line ends. Anything else thrown is an internal error.
 */
export abstract class BackfillError extends Error {
  abstract readonly code: string;
  readonly category: ExitCategory = "cannot-run";
}
