/** A job file that cannot be used (missing, not JSON, a key wrong or unknown): one sentence naming the file and the key. */
export class JobFileError extends Error {
  override readonly name = "JobFileError";
}
