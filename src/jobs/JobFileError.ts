import { BackfillError } from "../lib/errors.js";

/** A job file that cannot be used (missing, not JSON, a key wrong or unknown): one sentence naming the file and the key. */
export class JobFileError extends BackfillError {
  override readonly name = "JobFileError";
  readonly code = "bad-job-file";
  override readonly category = "usage";
}
