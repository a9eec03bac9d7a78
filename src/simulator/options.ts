/**
 * Simulator options and their validation. A misspelt or out-of-range option would silently produce a
 * simulator that tests something else, so construction fails loudly and names the offending option.
 */
import type { ContactSeed } from "./ContactStore.js";
import { SimulatorConfigError } from "./errors.js";

export interface ConnectSimulatorOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Requests per second per operation; null/undefined/0 = unlimited (default). */
  rate?: number | null;
  /** Bucket size; default max(1, ceil(rate * 0.2)). */
  burst?: number;
  /** Fixed delay before every answer, in ms; default 0. */
  latencyMs?: number;
  /** Treat unknown contacts as existing (started 1 h ago), except ids starting with "missing-". Default false. */
  autoCreate?: boolean;
  /** Contacts older than this are 404; default 24. */
  retentionMonths?: number;
  /** Access key ids answered with 403 UnrecognizedClientException (revoked credentials). */
  rejectedAccessKeys?: string[];
  /** Contacts to create at construction. */
  contacts?: ContactSeed[];
}

export interface ResolvedOptions {
  port: number;
  host: string;
  rate: number | null;
  burst: number | undefined;
  latencyMs: number;
  autoCreate: boolean;
  retentionMonths: number;
  rejectedAccessKeys: string[];
  contacts: ContactSeed[];
}

const KNOWN = new Set<string>([
  "port",
  "host",
  "rate",
  "burst",
  "latencyMs",
  "autoCreate",
  "retentionMonths",
  "rejectedAccessKeys",
  "contacts",
]);

export function show(value: unknown): string {
  if (typeof value === "number" || typeof value === "bigint" || value === undefined) return String(value);
  if (typeof value === "function") return "a function";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function fail(name: string, expectation: string, value: unknown): never {
  throw new SimulatorConfigError(`simulator option "${name}" must be ${expectation}, got ${show(value)}`);
}

function isNonNegative(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

/** Shared by the constructor, setRate() and the admin API so all three accept the same values. */
export function checkRate(rate: unknown, burst: unknown): { rate: number | null; burst: number | undefined } {
  let checkedRate: number | null = null;
  if (rate !== null && rate !== undefined) {
    if (!isNonNegative(rate)) fail("rate", "a non-negative number", rate);
    checkedRate = rate === 0 ? null : rate;
  }
  let checkedBurst: number | undefined;
  if (burst !== null && burst !== undefined) {
    // Below one token no request could ever pass, which is never what a test means.
    if (!(typeof burst === "number" && Number.isFinite(burst) && burst >= 1)) fail("burst", "a number >= 1", burst);
    checkedBurst = burst;
  }
  return { rate: checkedRate, burst: checkedBurst };
}

export function checkLatency(ms: unknown): number {
  if (!isNonNegative(ms)) fail("latencyMs", "a non-negative number", ms);
  return ms;
}

export function checkSeed(seed: unknown, index: number): ContactSeed {
  const name = `contacts[${index}]`;
  if (typeof seed !== "object" || seed === null) fail(name, "an object", seed);
  const s = seed as Record<string, unknown>;
  if (typeof s.instanceId !== "string" || s.instanceId === "") {
    fail(`${name}.instanceId`, "a non-empty string", s.instanceId);
  }
  if (typeof s.contactId !== "string" || s.contactId === "") {
    fail(`${name}.contactId`, "a non-empty string", s.contactId);
  }
  const ts = s.initiationTimestamp;
  let date: Date;
  if (ts instanceof Date) date = ts;
  else if (typeof ts === "string") date = new Date(ts);
  else if (typeof ts === "number") date = new Date(ts * 1000); // epoch seconds, as Connect's wire format
  else fail(`${name}.initiationTimestamp`, "a Date, ISO string or epoch seconds", ts);
  if (Number.isNaN(date.getTime())) fail(`${name}.initiationTimestamp`, "a valid date", ts);
  const attrs = s.attributes;
  if (attrs !== undefined) {
    if (typeof attrs !== "object" || attrs === null || Array.isArray(attrs)) {
      fail(`${name}.attributes`, "an object of strings", attrs);
    }
    for (const [k, v] of Object.entries(attrs)) {
      if (typeof v !== "string") fail(`${name}.attributes.${k}`, "a string", v);
    }
  }
  return {
    instanceId: s.instanceId,
    contactId: s.contactId,
    initiationTimestamp: date,
    ...(attrs === undefined ? {} : { attributes: attrs as Record<string, string> }),
  };
}

export function checkAccessKeys(keys: unknown): string[] {
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === "string")) {
    fail("rejectedAccessKeys", "an array of strings", keys);
  }
  return [...keys];
}

export function resolveOptions(options: unknown): ResolvedOptions {
  if (options === undefined) options = {};
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new SimulatorConfigError(`simulator options must be an object, got ${show(options)}`);
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN.has(key)) {
      throw new SimulatorConfigError(
        `unknown simulator option "${key}" (known: ${[...KNOWN].join(", ")}), got ${show(o[key])}`,
      );
    }
  }

  const port = o.port ?? 0;
  if (!(typeof port === "number" && Number.isInteger(port) && port >= 0 && port <= 65535)) {
    fail("port", "an integer from 0 to 65535", port);
  }
  const host = o.host ?? "127.0.0.1";
  if (typeof host !== "string" || host === "") fail("host", "a non-empty string", host);
  const { rate, burst } = checkRate(o.rate, o.burst);
  const latencyMs = o.latencyMs === undefined ? 0 : checkLatency(o.latencyMs);
  const autoCreate = o.autoCreate ?? false;
  if (typeof autoCreate !== "boolean") fail("autoCreate", "a boolean", autoCreate);
  const retentionMonths = o.retentionMonths ?? 24;
  if (!(typeof retentionMonths === "number" && Number.isInteger(retentionMonths) && retentionMonths > 0)) {
    fail("retentionMonths", "a positive integer", retentionMonths);
  }
  const rejectedAccessKeys = o.rejectedAccessKeys === undefined ? [] : checkAccessKeys(o.rejectedAccessKeys);
  const contactsIn = o.contacts ?? [];
  if (!Array.isArray(contactsIn)) fail("contacts", "an array", contactsIn);
  const contacts = contactsIn.map((c, i) => checkSeed(c, i));

  return { port, host, rate, burst, latencyMs, autoCreate, retentionMonths, rejectedAccessKeys, contacts };
}
