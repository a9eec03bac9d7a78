/**
 * HTTP control surface under /__sim/, so a simulator started by one process (a benchmark harness) can be
 * steered and read by another (workers, CLI). Plain JSON, no auth, not counted in the stats.
 */
import type { AcceptedUpdate, CallCounts } from "./AcceptedLog.js";
import type { ContactSeed, ContactSnapshot } from "./ContactStore.js";
import { FAULTS, isFault, SimulatorConfigError, type Fault } from "./errors.js";
import type { Operation, UpdateOperation } from "./model.js";
import { checkAccessKeys, checkLatency, checkOperation, checkRate, checkSeed, show } from "./options.js";
import type { QuotaState } from "./Quotas.js";
import type { SimulatorStats } from "./StatsRecorder.js";
import { jsonAnswer, type Answer } from "./wire.js";

export type { AcceptedUpdate } from "./AcceptedLog.js";

export const ADMIN_PREFIX = "/__sim/";

/** The part of the simulator the admin API drives. */
export interface AdminTarget {
  stats(): SimulatorStats;
  updates(from?: number, operation?: UpdateOperation): AcceptedUpdate[];
  callCounts(instanceId: string, contactId: string): CallCounts;
  addContact(seed: ContactSeed): void;
  attributesOf(instanceId: string, contactId: string): Record<string, string> | undefined;
  contactOf(instanceId: string, contactId: string): ContactSnapshot | undefined;
  setRate(rate: number | null, burst?: number, operation?: Operation): void;
  quotas(): Record<Operation, QuotaState>;
  injectFaults(contactId: string, faults: Fault[], operation?: Operation): void;
  failNext(count: number, fault: Fault, operation?: Operation): void;
  setLatency(ms: number): void;
  setRejectedAccessKeys(keys: string[]): void;
  setServiceQuotasDenied(denied: boolean): void;
  reset(): void;
}

class BadRequest extends Error {}

function parse(body: string): Record<string, unknown> | unknown[] {
  let value: unknown;
  try {
    value = body === "" ? {} : JSON.parse(body);
  } catch {
    throw new BadRequest("body is not valid JSON");
  }
  if (typeof value !== "object" || value === null) {
    throw new BadRequest(`body must be a JSON object, got ${show(value)}`);
  }
  return value as Record<string, unknown> | unknown[];
}

function object(body: string): Record<string, unknown> {
  const value = parse(body);
  if (Array.isArray(value)) throw new BadRequest("body must be a JSON object, got an array");
  return value;
}

function faultList(value: unknown): Fault[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every(isFault)) {
    const allowed = FAULTS.map((f) => JSON.stringify(f)).join(", ");
    throw new BadRequest(`"faults" must be a non-empty array of ${allowed}; got ${show(value)}`);
  }
  return value;
}

function optionalOperation(value: unknown): Operation | undefined {
  return value === undefined || value === null ? undefined : checkOperation(value);
}

/** `{instanceId}/{contactId}` after an endpoint name, percent-decoded. */
function contactPath(rest: string, usage: string): [string, string] {
  const [instanceId, contactId, ...more] = rest.split("/").map(decodeURIComponent);
  if (instanceId === undefined || contactId === undefined || more.length > 0) throw new BadRequest(`use ${usage}`);
  return [instanceId, contactId];
}

function routeGet(target: AdminTarget, name: string, query: URLSearchParams): Answer | undefined {
  if (name === "stats") return jsonAnswer(200, target.stats());
  if (name === "rate") return jsonAnswer(200, target.quotas());
  if (name === "updates") {
    // ?from=N lets a poller fetch only what is new instead of the whole history each time.
    const from = Number(query.get("from") ?? 0);
    if (!Number.isInteger(from) || from < 0) {
      throw new BadRequest(`"from" must be a non-negative integer, got ${query.get("from")}`);
    }
    const op = query.get("operation");
    if (op !== null && op !== "UpdateContactAttributes" && op !== "UpdateContact") {
      throw new BadRequest(`"operation" must be UpdateContactAttributes or UpdateContact, got ${op}`);
    }
    return jsonAnswer(200, target.updates(from, op ?? undefined));
  }
  if (name.startsWith("attributes/")) {
    const [instanceId, contactId] = contactPath(name.slice("attributes/".length), "GET /__sim/attributes/{instanceId}/{contactId}");
    const attributes = target.attributesOf(instanceId, contactId);
    if (attributes === undefined) return jsonAnswer(404, { Message: `no contact ${contactId} in ${instanceId}` });
    return jsonAnswer(200, { attributes });
  }
  if (name.startsWith("contacts/")) {
    const [instanceId, contactId] = contactPath(name.slice("contacts/".length), "GET /__sim/contacts/{instanceId}/{contactId}");
    const contact = target.contactOf(instanceId, contactId);
    if (contact === undefined) return jsonAnswer(404, { Message: `no contact ${contactId} in ${instanceId}` });
    return jsonAnswer(200, { contact, accepted: target.callCounts(instanceId, contactId) });
  }
  return undefined;
}

function routePost(target: AdminTarget, name: string, body: string): Answer | undefined {
  switch (name) {
    case "contacts": {
      const value = parse(body);
      const list = Array.isArray(value) ? value : [value];
      const seeds = list.map((c, i) => checkSeed(c, i)); // all checked before any is added
      for (const seed of seeds) target.addContact(seed);
      return jsonAnswer(200, { added: seeds.length });
    }
    case "rate": {
      // Without "operation" every operation gets the quota (the original, all-at-once form).
      const o = object(body);
      const operation = optionalOperation(o.operation);
      const { rate, burst } = checkRate(o.rate, o.burst);
      target.setRate(rate, burst, operation);
      const quotas = target.quotas();
      return jsonAnswer(200, operation === undefined ? { rate, burst: burst ?? null, quotas } : { operation, ...quotas[operation] });
    }
    case "faults": {
      const o = object(body);
      const faults = faultList(o.faults);
      const operation = optionalOperation(o.operation);
      const count = o.count ?? 1;
      if (!(typeof count === "number" && Number.isInteger(count) && count >= 1)) {
        throw new BadRequest(`"count" must be a positive integer, got ${show(count)}`);
      }
      // The sequence `faults` is repeated `count` times, for one contact or for whatever comes next.
      if (o.contactId !== undefined) {
        if (typeof o.contactId !== "string") {
          throw new BadRequest(`"contactId" must be a string, got ${show(o.contactId)}`);
        }
        const repeated: Fault[] = [];
        for (let i = 0; i < count; i++) repeated.push(...faults);
        target.injectFaults(o.contactId, repeated, operation);
      } else if (faults.length === 1) {
        target.failNext(count, faults[0] as Fault, operation);
      } else {
        for (let i = 0; i < count; i++) for (const f of faults) target.failNext(1, f, operation);
      }
      return jsonAnswer(200, { queued: faults.length * count });
    }
    case "latency": {
      const o = object(body);
      target.setLatency(checkLatency(o.ms));
      return jsonAnswer(200, { ms: o.ms });
    }
    case "rejected-keys": {
      const o = object(body);
      target.setRejectedAccessKeys(checkAccessKeys(o.accessKeys));
      return jsonAnswer(200, { accessKeys: o.accessKeys });
    }
    case "service-quotas": {
      // {"denied": true}: Service Quotas answers AccessDeniedException, as to a caller without servicequotas:ListServiceQuotas
      const o = object(body);
      if (typeof o.denied !== "boolean") throw new BadRequest(`"denied" must be true or false; got ${show(o.denied)}`);
      target.setServiceQuotasDenied(o.denied);
      return jsonAnswer(200, { denied: o.denied });
    }
    case "reset":
      target.reset();
      return jsonAnswer(200, {});
    default:
      return undefined;
  }
}

function routeAdmin(target: AdminTarget, method: string, path: string, query: URLSearchParams, body: string): Answer {
  const name = path.slice(ADMIN_PREFIX.length);
  const answer = method === "GET" ? routeGet(target, name, query) : method === "POST" ? routePost(target, name, body) : undefined;
  return answer ?? jsonAnswer(404, { Message: `no admin endpoint ${method} ${path}` });
}

/**
 * Answers one admin request; bad input becomes a 400 with the reason rather than a crash. `body` is
 * undefined when it was larger than the admin limit: that is a 413, never an empty body.
 */
export function handleAdmin(target: AdminTarget, method: string, url: string, body: string | undefined, limit: number): Answer {
  if (body === undefined) {
    return jsonAnswer(413, {
      Message: `admin request body is larger than ${limit} bytes (the simulator's maxAdminBodyBytes option); send it in parts, e.g. contacts in batches`,
    });
  }
  const parsed = new URL(url, "http://sim.invalid");
  try {
    return routeAdmin(target, method, parsed.pathname, parsed.searchParams, body);
  } catch (err) {
    if (err instanceof BadRequest || err instanceof SimulatorConfigError || err instanceof URIError) {
      return jsonAnswer(400, { Message: err.message });
    }
    throw err;
  }
}
