import { BackfillError } from "../lib/errors.js";

/** A bad option value: the CLI turns it into a usage error (exit 2). */
export class ConfigError extends BackfillError {
  override readonly name = "ConfigError";
  readonly code = "bad-option";
  override readonly category = "usage";
}
