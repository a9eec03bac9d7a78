import type { OptionSpec } from "./Option.js";
import { OPTION_LIST } from "./options.js";

/** docs/configuration.md's table sits between these lines; `scripts/write-option-docs.ts` writes it, a test compares it. */
export const TABLE_START = "<!-- options:start (written from src/config/options.ts by scripts/write-option-docs.ts) -->";
export const TABLE_END = "<!-- options:end -->";

function environment(o: OptionSpec): string {
  if (o.env !== undefined) return `\`${o.env}${o.type === "boolean" ? "=true" : ""}\``;
  return o.sdkEnv === undefined ? "–" : `\`${o.sdkEnv}\``;
}

function defaultOf(o: OptionSpec): string {
  if (o.docDefault !== undefined) return o.docDefault;
  if (o.default === undefined || o.default === false) return o.type === "boolean" ? "off" : "–";
  if (typeof o.default === "number") return `${o.default}${o.unit === undefined ? "" : ` ${o.unit}`}`;
  return `\`${String(o.default)}\``;
}

/** docs/configuration.md's table: one row per option, in the table's order. */
export function configTable(): string {
  const rows = OPTION_LIST.map((o) => `| \`--${o.flag}\` | ${environment(o)} | ${defaultOf(o)} | ${o.doc} |`);
  return ["| flag | environment | default | meaning |", "|---|---|---|---|", ...rows].join("\n");
}
