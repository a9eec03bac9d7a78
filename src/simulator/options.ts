/**
 * Simulator options and their validation. A misspelt or out-of-range option would silently produce a
 * simulator that tests something else, so construction fails loudly and names the offending option.
 */
import { DEFAULT_ACCEPTED_LOG_LIMIT } from "./AcceptedLog.js";
import type { ContactSeed } from "./ContactStore.js";
import { SimulatorConfigError } from "./errors.js";
import { isOperation, OPERATIONS, type Operation } from "./model.js";
import type { QuotaSetting } from "./Quotas.js";
import { checkSeed } from "./seeds.js";
import { show } from "./show.js";

export { checkSeed } from "./seeds.js";
export { show } from "./show.js";

export interface ConnectSimulatorOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Requests per second, for every operation separately; null/undefined/0 = unlimited (default). */
  rate?: number | null;
  /** Bucket size for every operation; default the documented burst for the rate (10/s: 15; see defaultBurst). */
  burst?: number;
  /** Per-operation rate and burst, overriding `rate`/`burst` for the operations named. */
  quotas?: Partial<Record<Operation, { rate?: number | null; burst?: number }>>;
  /** Fixed delay before every answer, in ms; default 0. */
  latencyMs?: number;
  /**
   * UpdateContactAttributes and UpdateContact treat unknown contacts as existing (created, started 1 h
   * ago), except ids starting with "missing-". Reads (GetContactAttributes, DescribeContact) still answer
   * 404 for a contact nobody created, as Connect would. Default false.
   */
  autoCreate?: boolean;
  /** With autoCreate, reads create unknown contacts too (the behaviour before reads were made strict). Default false. */
  autoCreateOnRead?: boolean;
  /** Accepted updates kept for updates(); counts stay exact beyond it. 0 keeps none. Default 100,000. */
  acceptedLogLimit?: number;
  /** Largest admin (/__sim/) request body; bigger ones get 413. Default 64 MiB. */
  maxAdminBodyBytes?: number;
  /** Contacts older than this are 404; default 24. */
  retentionMonths?: number;
  /** Access key ids answered with 403 UnrecognizedClientException (revoked credentials). */
  rejectedAccessKeys?: string[];
  /** Contacts to create at construction. */
  contacts?: ContactSeed[];
  /**
   * A hostile service: every 429 carries `Retry-After: <this many seconds>` (e.g. 3600). Default: no
   * Retry-After header, as Connect sends none.
   */
  throttleRetryAfterSeconds?: number;
  /** Service Quotas (same port) answers AccessDeniedException instead of the quotas. Default false. */
  denyServiceQuotas?: boolean;
}

export interface ResolvedOptions {
  port: number;
  host: string;
  rate: number | null;
  burst: number | undefined;
  quotas: Partial<Record<Operation, QuotaSetting>>;
  latencyMs: number;
  autoCreate: boolean;
  autoCreateOnRead: boolean;
  acceptedLogLimit: number;
  maxAdminBodyBytes: number;
  retentionMonths: number;
  rejectedAccessKeys: string[];
  contacts: ContactSeed[];
  throttleRetryAfterSeconds: number | undefined;
  denyServiceQuotas: boolean;
}

const KNOWN = new Set<string>([
  "port",
  "host",
  "rate",
  "burst",
  "quotas",
  "latencyMs",
  "autoCreate",
  "autoCreateOnRead",
  "acceptedLogLimit",
  "maxAdminBodyBytes",
  "retentionMonths",
  "rejectedAccessKeys",
  "contacts",
  "throttleRetryAfterSeconds",
  "denyServiceQuotas",
]);

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

/** An operation name, for per-operation quotas and faults. */
export function checkOperation(value: unknown, name = "operation"): Operation {
  if (!isOperation(value)) fail(name, `one of ${OPERATIONS.join(", ")}`, value);
  return value;
}

function checkQuotas(value: unknown): Partial<Record<Operation, QuotaSetting>> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail("quotas", "an object keyed by operation", value);
  const out: Partial<Record<Operation, QuotaSetting>> = {};
  for (const [op, q] of Object.entries(value)) {
    const operation = checkOperation(op, "quotas key");
    if (typeof q !== "object" || q === null) fail(`quotas.${op}`, "an object {rate, burst}", q);
    const { rate, burst } = q as Record<string, unknown>;
    out[operation] = checkRate(rate, burst);
  }
  return out;
}

function nonNegativeInteger(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(typeof value === "number" && Number.isInteger(value) && value >= 0)) fail(name, "a non-negative integer", value);
  return value;
}

export function checkLatency(ms: unknown): number {
  if (!isNonNegative(ms)) fail("latencyMs", "a non-negative number", ms);
  return ms;
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
      throw new SimulatorConfigError(`unknown simulator option "${key}" (known: ${[...KNOWN].join(", ")}), got ${show(o[key])}`);
    }
  }

  const port = o.port ?? 0;
  if (!(typeof port === "number" && Number.isInteger(port) && port >= 0 && port <= 65535)) {
    fail("port", "an integer from 0 to 65535", port);
  }
  const host = o.host ?? "127.0.0.1";
  if (typeof host !== "string" || host === "") fail("host", "a non-empty string", host);
  const { rate, burst } = checkRate(o.rate, o.burst);
  const quotas = checkQuotas(o.quotas);
  const latencyMs = o.latencyMs === undefined ? 0 : checkLatency(o.latencyMs);
  const autoCreate = o.autoCreate ?? false;
  if (typeof autoCreate !== "boolean") fail("autoCreate", "a boolean", autoCreate);
  const autoCreateOnRead = o.autoCreateOnRead ?? false;
  if (typeof autoCreateOnRead !== "boolean") fail("autoCreateOnRead", "a boolean", autoCreateOnRead);
  const acceptedLogLimit = nonNegativeInteger(o.acceptedLogLimit, "acceptedLogLimit", DEFAULT_ACCEPTED_LOG_LIMIT);
  const maxAdminBodyBytes = nonNegativeInteger(o.maxAdminBodyBytes, "maxAdminBodyBytes", 64 * 1024 * 1024);
  const retentionMonths = o.retentionMonths ?? 24;
  if (!(typeof retentionMonths === "number" && Number.isInteger(retentionMonths) && retentionMonths > 0)) {
    fail("retentionMonths", "a positive integer", retentionMonths);
  }
  const rejectedAccessKeys = o.rejectedAccessKeys === undefined ? [] : checkAccessKeys(o.rejectedAccessKeys);
  const contactsIn = o.contacts ?? [];
  if (!Array.isArray(contactsIn)) fail("contacts", "an array", contactsIn);
  const contacts = contactsIn.map((c, i) => checkSeed(c, i));
  const throttleRetryAfterSeconds = o.throttleRetryAfterSeconds;
  if (throttleRetryAfterSeconds !== undefined && !isNonNegative(throttleRetryAfterSeconds)) {
    fail("throttleRetryAfterSeconds", "a non-negative number", throttleRetryAfterSeconds);
  }
  const denyServiceQuotas = o.denyServiceQuotas ?? false;
  if (typeof denyServiceQuotas !== "boolean") fail("denyServiceQuotas", "true or false", denyServiceQuotas);

  return {
    port,
    host,
    rate,
    burst,
    quotas,
    latencyMs,
    autoCreate,
    autoCreateOnRead,
    acceptedLogLimit,
    maxAdminBodyBytes,
    retentionMonths,
    rejectedAccessKeys,
    contacts,
    throttleRetryAfterSeconds,
    denyServiceQuotas,
  };
}
