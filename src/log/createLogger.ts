import type { Logger } from "pino";
import { requirePackage } from "../lib/requirePackage.js";
import { scrub } from "../lib/scrub.js";

// Where it was first: importers of the logger find it here too.
export { scrub };

/**
 * Paths that may hold secrets or customer data, redacted wherever they appear.
 * Attribute values are customer data: they are never logged (nothing logs them
 * on purpose; this is the net under that rule).
 */
export const REDACT_PATHS = [
  "attributes",
  "*.attributes",
  "Attributes",
  "*.Attributes",
  "credentials",
  "*.credentials",
  "secretAccessKey",
  "*.secretAccessKey",
  "sessionToken",
  "*.sessionToken",
  "accessKeyId",
  "*.accessKeyId",
  "password",
  "*.password",
  "redisUrl",
  "*.redisUrl",
  "authorization",
  "*.authorization",
  "*.headers.authorization",
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  let made: Logger | undefined;
  const real = (): Logger => {
    made ??= makeLogger(level, destination);
    return made;
  };
  // pino (~30 ms to load) is loaded at the first use of the logger: most of `status`, `history` or `help` never log.
  return new Proxy({} as Logger, {
    get(_target, prop) {
      const logger = real();
      const value = Reflect.get(logger, prop, logger) as unknown;
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(logger) : value;
    },
    set(_target, prop, value) {
      return Reflect.set(real(), prop, value);
    },
    has(_target, prop) {
      return Reflect.has(real(), prop);
    },
  });
}

function makeLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const { pino } = requirePackage("pino") as typeof import("pino");
  return pino(
    {
      level,
      base: { app: "connect-backfill" },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      serializers: {
        err: (err: Error) => ({ type: err.name, message: scrub(err.message) }),
      },
      hooks: {
        logMethod(args, method) {
          // Free-text messages may quote an error; scrub them too.
          const scrubbed = args.map((a) => (typeof a === "string" ? scrub(a) : a)) as typeof args;
          method.apply(this, scrubbed);
        },
      },
    },
    destination ?? pino.destination(2),
  );
}

export type { Logger };
