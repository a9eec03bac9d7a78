import { helpOf } from "../config/options.js";
import type { FlagSpec } from "./parseArgs.js";

/** A command's usage, then every flag it takes with its value, meaning and default (from config/options.ts). */
export function usageWithFlags(usage: string, flags: FlagSpec): string {
  const rows = Object.keys(flags)
    .sort()
    .map((name) => {
      const [value, text] = helpOf(name) ?? ["", ""];
      return [`--${name}${value ? ` ${value}` : ""}`, text] as const;
    });
  const width = Math.max(...rows.map(([f]) => f.length));
  return `${usage}\n\nOptions:\n${rows.map(([f, t]) => `  ${f.padEnd(width)}  ${t}`.trimEnd()).join("\n")}\n  --help${" ".repeat(Math.max(0, width - 6))}  this text`;
}

/** Every flag a command can take has a line: checked by a test, so a new flag cannot go undocumented. */
export function undocumented(flags: FlagSpec): string[] {
  return Object.keys(flags).filter((f) => helpOf(f) === undefined);
}
