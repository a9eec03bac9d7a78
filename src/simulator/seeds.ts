/**
 * Checks a contact seed (constructor option, addContact(), POST /__sim/contacts). A seed describes a
 * contact as Connect would hold it, so enumerated fields take the model's values and a seed cannot hold
 * more attributes than a real contact could.
 */
import { attributeBytes, type ContactSeed, type Reference, type SegmentAttributeValue } from "./ContactStore.js";
import { SimulatorConfigError } from "./errors.js";
import { CHANNELS, INITIATION_METHODS, type Channel, type InitiationMethod } from "./model.js";
import { show } from "./show.js";
import { LIMITS } from "./validateUpdate.js";

function fail(name: string, expectation: string, value: unknown): never {
  throw new SimulatorConfigError(`simulator option "${name}" must be ${expectation}, got ${show(value)}`);
}

function date(value: unknown, name: string): Date {
  let d: Date;
  if (value instanceof Date) d = value;
  else if (typeof value === "string") d = new Date(value);
  else if (typeof value === "number")
    d = new Date(value * 1000); // epoch seconds, as Connect's wire format
  else fail(name, "a Date, ISO string or epoch seconds", value);
  if (Number.isNaN(d.getTime())) fail(name, "a valid date", value);
  return d;
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value === "") fail(name, "a non-empty string", value);
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function checkSeed(seed: unknown, index: number): ContactSeed {
  const name = `contacts[${index}]`;
  if (!isPlainObject(seed)) fail(name, "an object", seed);
  const s = seed;
  if (typeof s.instanceId !== "string" || s.instanceId === "") {
    fail(`${name}.instanceId`, "a non-empty string", s.instanceId);
  }
  if (typeof s.contactId !== "string" || s.contactId === "") {
    fail(`${name}.contactId`, "a non-empty string", s.contactId);
  }
  const out: ContactSeed = {
    instanceId: s.instanceId,
    contactId: s.contactId,
    initiationTimestamp: date(s.initiationTimestamp, `${name}.initiationTimestamp`),
  };

  const attrs = s.attributes;
  if (attrs !== undefined) {
    if (!isPlainObject(attrs)) fail(`${name}.attributes`, "an object of strings", attrs);
    for (const [k, v] of Object.entries(attrs)) {
      if (typeof v !== "string") fail(`${name}.attributes.${k}`, "a string", v);
    }
    const bytes = attributeBytes(Object.entries(attrs as Record<string, string>));
    if (bytes > LIMITS.totalBytesMax) {
      fail(`${name}.attributes`, `at most ${LIMITS.totalBytesMax} UTF-8 bytes of keys and values (a contact's limit)`, `${bytes} bytes`);
    }
    out.attributes = { ...(attrs as Record<string, string>) };
  }

  const initial = optionalString(s.initialContactId, `${name}.initialContactId`);
  if (initial !== undefined) out.initialContactId = initial;
  const previous = optionalString(s.previousContactId, `${name}.previousContactId`);
  if (previous !== undefined) out.previousContactId = previous;
  if (s.initiationMethod !== undefined) {
    if (!(INITIATION_METHODS as readonly unknown[]).includes(s.initiationMethod)) {
      fail(`${name}.initiationMethod`, `one of ${INITIATION_METHODS.join(", ")}`, s.initiationMethod);
    }
    out.initiationMethod = s.initiationMethod as InitiationMethod;
  }
  if (s.channel !== undefined) {
    if (!(CHANNELS as readonly unknown[]).includes(s.channel)) fail(`${name}.channel`, `one of ${CHANNELS.join(", ")}`, s.channel);
    out.channel = s.channel as Channel;
  }
  if (s.disconnectTimestamp !== undefined) {
    out.disconnectTimestamp = date(s.disconnectTimestamp, `${name}.disconnectTimestamp`);
    if (out.disconnectTimestamp < out.initiationTimestamp) {
      fail(`${name}.disconnectTimestamp`, "not before initiationTimestamp", s.disconnectTimestamp);
    }
  }
  for (const field of ["name", "description"] as const) {
    const v = s[field];
    if (v !== undefined) {
      if (typeof v !== "string") fail(`${name}.${field}`, "a string", v);
      out[field] = v;
    }
  }
  // References and segment attributes are taken as given (the shapes of UpdateContact's body); a seed
  // stands for data Connect already holds, which need not have come through UpdateContact's rules.
  if (s.references !== undefined) {
    if (!isPlainObject(s.references)) fail(`${name}.references`, "an object of {Type, Value}", s.references);
    for (const [k, v] of Object.entries(s.references)) {
      if (!isPlainObject(v) || typeof v.Type !== "string") fail(`${name}.references.${k}`, "an object with a string Type", v);
    }
    out.references = s.references as Record<string, Reference>;
  }
  if (s.segmentAttributes !== undefined) {
    if (!isPlainObject(s.segmentAttributes)) fail(`${name}.segmentAttributes`, "an object of SegmentAttributeValue", s.segmentAttributes);
    out.segmentAttributes = s.segmentAttributes as Record<string, SegmentAttributeValue>;
  }
  const known = new Set([
    "instanceId",
    "contactId",
    "initiationTimestamp",
    "attributes",
    "initialContactId",
    "previousContactId",
    "initiationMethod",
    "channel",
    "disconnectTimestamp",
    "name",
    "description",
    "references",
    "segmentAttributes",
  ]);
  for (const key of Object.keys(s)) {
    if (!known.has(key)) fail(`${name}.${key}`, `absent (unknown seed field; known: ${[...known].join(", ")})`, s[key]);
  }
  return out;
}
