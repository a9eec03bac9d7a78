/**
 * Something the run or the command cannot do, said in one sentence that names
 * the run or file and what to do. The command line prints it and exits 1; a
 * program using the API gets it as an ordinary error.
 */
export class AppError extends Error {
  override readonly name: string = "AppError";
}

/** The run id names no run on this Redis (under this prefix). */
export class RunNotFoundError extends AppError {
  override readonly name = "RunNotFoundError";
  constructor(
    readonly runId: string,
    prefix: string,
  ) {
    super(`No run "${runId}" on this Redis (prefix ${prefix}); "connect-backfill status" lists the known runs.`);
  }
}
