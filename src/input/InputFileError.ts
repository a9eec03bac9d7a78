/** A problem with the file as a whole (missing, unreadable, no header...): the run cannot start. */
export class InputFileError extends Error {
  override readonly name = "InputFileError";
}

/** No instance id in the file and none given: every row would fail alike. A usage error (exit 2). */
export class MissingInstanceIdError extends InputFileError {}
