/** A bad option value: the CLI turns it into a usage error (exit 2). */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}
