import { BackfillError } from "../lib/errors.js";

/**
 * Something the run or the command cannot do, said in one sentence that names
 * the run or file and what to do. The command line prints it and exits 1; a
 * program using the API gets it as an ordinary error. `code` tells one kind
 * apart from another (a wrapped error keeps its own).
 */
export class AppError extends BackfillError {
  override readonly name: string = "AppError";
  readonly code: string;
  constructor(message: string, options?: ErrorOptions & { readonly code?: string }) {
    super(message, options);
    this.code = options?.code ?? "cannot-run";
  }
}

/** The run id names no run on this Redis (under this prefix). */
export class RunNotFoundError extends AppError {
  override readonly name = "RunNotFoundError";
  override readonly code = "run-not-found";
  constructor(
    readonly runId: string,
    prefix: string,
  ) {
    super(`No run "${runId}" on this Redis (prefix ${prefix}); "connect-backfill status" lists the known runs.`);
  }
}
