/**
 * HTTP control surface under /__sim/, so a simulator started by one process (a benchmark harness) can be
 * steered and read by another (workers, CLI). Plain JSON, no auth, not counted in the stats.
 */
import type { ContactSeed } from "./ContactStore.js";
import { isFault, SimulatorConfigError, type Fault } from "./errors.js";
import { checkAccessKeys, checkLatency, checkRate, checkSeed, show } from "./options.js";
import type { SimulatorStats } from "./StatsRecorder.js";
import { jsonAnswer, type Answer } from "./wire.js";

export const ADMIN_PREFIX = "/__sim/";

export interface AcceptedUpdate {
  instanceId: string;
  contactId: string;
  attributes: Record<string, string>;
  /** Epoch ms when the simulator accepted it. */
  at: number;
}

/** The part of the simulator the admin API drives. */
export interface AdminTarget {
  stats(): SimulatorStats;
  updates(from?: number): AcceptedUpdate[];
  addContact(seed: ContactSeed): void;
  attributesOf(instanceId: string, contactId: string): Record<string, string> | undefined;
  setRate(rate: number | null, burst?: number): void;
  injectFaults(contactId: string, faults: Fault[]): void;
  failNext(count: number, fault: Fault): void;
  setLatency(ms: number): void;
  setRejectedAccessKeys(keys: string[]): void;
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
    const allowed = '500, 502, 503, 504, 429, "reset", "timeout"';
    throw new BadRequest(`"faults" must be a non-empty array of ${allowed}; got ${show(value)}`);
  }
  return value;
}

function routeAdmin(target: AdminTarget, method: string, path: string, query: URLSearchParams, body: string): Answer {
  const name = path.slice(ADMIN_PREFIX.length);
  if (method === "GET" && name === "stats") return jsonAnswer(200, target.stats());
  if (method === "GET" && name === "updates") {
    // ?from=N lets a poller fetch only what is new instead of the whole history each time.
    const from = Number(query.get("from") ?? 0);
    if (!Number.isInteger(from) || from < 0) {
      throw new BadRequest(`"from" must be a non-negative integer, got ${query.get("from")}`);
    }
    return jsonAnswer(200, target.updates(from));
  }
  if (method === "GET" && name.startsWith("attributes/")) {
    const [instanceId, contactId, ...rest] = name.slice("attributes/".length).split("/").map(decodeURIComponent);
    if (instanceId === undefined || contactId === undefined || rest.length > 0) {
      throw new BadRequest("use GET /__sim/attributes/{instanceId}/{contactId}");
    }
    const attributes = target.attributesOf(instanceId, contactId);
    if (attributes === undefined) return jsonAnswer(404, { Message: `no contact ${contactId} in ${instanceId}` });
    return jsonAnswer(200, { attributes });
  }
  if (method !== "POST") return jsonAnswer(404, { Message: `no admin endpoint ${method} ${path}` });

  switch (name) {
    case "contacts": {
      const value = parse(body);
      const list = Array.isArray(value) ? value : [value];
      const seeds = list.map((c, i) => checkSeed(c, i)); // all checked before any is added
      for (const seed of seeds) target.addContact(seed);
      return jsonAnswer(200, { added: seeds.length });
    }
    case "rate": {
      const o = object(body);
      const { rate, burst } = checkRate(o.rate, o.burst);
      target.setRate(rate, burst);
      return jsonAnswer(200, { rate, burst: burst ?? null });
    }
    case "faults": {
      const o = object(body);
      const faults = faultList(o.faults);
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
        target.injectFaults(o.contactId, repeated);
      } else if (faults.length === 1) {
        target.failNext(count, faults[0] as Fault);
      } else {
        for (let i = 0; i < count; i++) for (const f of faults) target.failNext(1, f);
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
    case "reset":
      target.reset();
      return jsonAnswer(200, {});
    default:
      return jsonAnswer(404, { Message: `no admin endpoint ${method} ${path}` });
  }
}

/** Answers one admin request; bad input becomes a 400 with the reason rather than a crash. */
export function handleAdmin(target: AdminTarget, method: string, url: string, body: string): Answer {
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
