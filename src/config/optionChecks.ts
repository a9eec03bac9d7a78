import { OPERATION_NAMES, type OperationName } from "../operations/Operation.js";
import { ConfigError } from "./ConfigError.js";
import type { ParseContext } from "./Option.js";

/**
 * The checks options share; each names the flag it was given, so one message
 * serves the flag, its environment variable and the job key behind it.
 */

export function positive(name: string, value: number, integer: boolean): number {
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new ConfigError(`--${name} must be a positive ${integer ? "whole " : ""}number, got ${String(value)}`);
  }
  return value;
}

export const positiveNumber = (value: number, ctx: ParseContext): number => positive(ctx.flag, value, false);
export const positiveWhole = (value: number, ctx: ParseContext): number => positive(ctx.flag, value, true);

export function fraction(value: number, ctx: ParseContext): number {
  if (!Number.isFinite(value) || value < 0 || value > 0.9)
    throw new ConfigError(`--${ctx.flag} must be a share from 0 to 0.9 (0.1 leaves a tenth of the quota to other callers), got ${String(value)}`);
  return value;
}

export function nonNegativeWhole(value: number, ctx: ParseContext): number {
  if (!Number.isInteger(value) || value < 0) throw new ConfigError(`--${ctx.flag} must be a whole number, 0 or more, got ${String(value)}`);
  return value;
}

export function atMost(name: string, value: number, max: number): number {
  if (value > max) throw new ConfigError(`--${name} must be at most ${max}, got ${value}`);
  return value;
}

/** Parses a date flag: ISO-8601 (date only means midnight UTC). */
export function parseDateFlag(name: string, value: string): Date {
  const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
  if (!iso.test(value)) throw new ConfigError(`--${name} must be an ISO-8601 date such as 2018-09-12, got "${value}"`);
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(value) && value.includes("T");
  const d = new Date(value.includes("T") ? (hasZone ? value : `${value}Z`) : `${value}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) throw new ConfigError(`--${name} is not a real date, got "${value}"`);
  return d;
}

const RUN_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/** Run ids become Redis keys and folder names: one rule for `--run-id` and for a command's <runId>. */
export function validateRunId(runId: string, what = "--run-id"): string {
  if (!RUN_ID.test(runId) || /^\d+$/.test(runId) || /^\.+$/.test(runId)) {
    throw new ConfigError(`${what} must be 1-64 letters, digits, "_", "-" or "." and not only digits or dots, got "${runId}"`);
  }
  return runId;
}

/** One ASCII character (the reader splits bytes), not a quote or a line end; `tab` (or "\t") for a tab. */
export function parseDelimiter(value: string): string {
  const d = value === "tab" || value === "\\t" ? "\t" : value;
  if (d.length !== 1 || d === '"' || d === "\n" || d === "\r" || d.charCodeAt(0) > 127) {
    throw new ConfigError(`--delimiter must be one ASCII character such as ";" or "|" (or "tab"), not a quote or a line end, got "${value}"`);
  }
  return d;
}

export function parsePort(value: number | string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new ConfigError(`--metrics-port must be a port number (0-65535), got "${value}"`);
  return n;
}

export function parseNotify(value: string | undefined): string | undefined {
  if (value === undefined || value === "") return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`--notify must be an http(s) URL, got "${value.slice(0, 80)}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new ConfigError(`--notify must be an http(s) URL, got "${url.protocol}…"`);
  return value;
}

/** A boolean variable (REDIS_CLUSTER): true or false (1 or 0); unset or empty is false. */
export function parseBoolEnv(name: string, value: string | undefined): boolean {
  const v = value?.trim().toLowerCase() ?? "";
  if (v === "" || v === "false" || v === "0") return false;
  if (v === "true" || v === "1") return true;
  throw new ConfigError(`${name} must be true or false, got "${value}"`);
}

export function parseOperation(value: string): OperationName {
  const found = OPERATION_NAMES.find((n) => n.toLowerCase() === value.trim().toLowerCase());
  if (!found) throw new ConfigError(`--operation must be one of ${OPERATION_NAMES.join(", ")}, got "${value}"`);
  return found;
}

/**
 * Redis Cluster runs a multi-key command or script only when its keys share a hash
 * slot: every key starts with the prefix, so a prefix with a hash tag (`{cb}`, `x{cb}`)
 * puts them all in the slot of the tag. A key's tag is what stands between its first
 * `{` and the next `}`, when that is not empty.
 */
export function hasHashTag(prefix: string): boolean {
  const open = prefix.indexOf("{");
  const close = open === -1 ? -1 : prefix.indexOf("}", open + 1);
  return close > open + 1;
}
