import { BackfillError } from "../lib/errors.js";

/** A problem with the file as a whole (missing, unreadable, no header...): the run cannot start. */
export class InputFileError extends BackfillError {
  override readonly name: string = "InputFileError";
  readonly code: string = "bad-input-file";
}

/** No instance id in the file and none given: every row would fail alike. A usage error (exit 2). */
export class MissingInstanceIdError extends InputFileError {
  override readonly code = "missing-instance-id";
  override readonly category = "usage";
}
