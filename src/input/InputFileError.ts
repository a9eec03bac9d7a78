/** A problem with the file as a whole (missing, unreadable, no header...): the run cannot start. */
export class InputFileError extends Error {
  override readonly name = "InputFileError";
}
