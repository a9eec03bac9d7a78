import { closest } from "../lib/closest.js";
import { usageError } from "./exitCodes.js";

import type { FlagSpec } from "../config/Option.js";

export type { FlagSpec, FlagType } from "../config/Option.js";

export interface ParsedArgs {
  readonly positionals: string[];
  readonly flags: Record<string, string | number | boolean>;
}

/**
 * `--name value`, `--name=value` and bare booleans. Unknown flags and values of
 * the wrong type are usage errors (exit 2), named with what was given.
 */
export function parseArgs(
  argv: readonly string[],
  spec: FlagSpec,
  command: string,
  unknown: (name: string) => string = (n) => unknownFlag(command, n, spec),
): ParsedArgs {
  const positionals: string[] = [];
  const flags: Record<string, string | number | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("--") || arg === "--") {
      if (arg.startsWith("-") && arg.length > 1 && !/^-\d/.test(arg)) throw usageError(`${command}: unknown option "${arg}" (options are written --name)`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const type = spec[name];
    if (!type) throw usageError(unknown(name));
    let value: string | undefined = eq === -1 ? undefined : arg.slice(eq + 1);
    if (type === "boolean") {
      if (value === undefined) flags[name] = true;
      else if (value === "true" || value === "false") flags[name] = value === "true";
      else throw usageError(`${command}: --${name} takes no value or true/false, got "${value}"`);
      continue;
    }
    if (value === undefined) {
      value = argv[i + 1];
      if (value === undefined || (value.startsWith("--") && value.length > 2)) throw usageError(`${command}: --${name} needs a value`);
      i++;
    }
    if (type === "number") {
      const n = Number(value);
      if (value.trim() === "" || !Number.isFinite(n)) throw usageError(`${command}: --${name} must be a number, got "${value}"`);
      flags[name] = n;
    } else flags[name] = value;
  }
  return { positionals, flags };
}

/** A flag the command does not know, with the one it most likely meant. */
export function unknownFlag(command: string, name: string, spec: FlagSpec): string {
  const near = closest(name, Object.keys(spec));
  return `${command}: unknown option --${name}; ${near ? `did you mean --${near}?` : `"connect-backfill help ${command}" lists its options`}`;
}
