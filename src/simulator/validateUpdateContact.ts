/**
 * UpdateContact request body validation, from the UpdateContactRequest shape of the service model.
 * As for UpdateContactAttributes: wrong JSON types and missing required members are
 * InvalidRequestException; values of the right type outside their limits are InvalidParameterException.
 * Rules that need the stored contact (external audio only, references total) live in the handler.
 */
import type { ContactEndpoint, Reference, SegmentAttributeValue } from "./ContactStore.js";
import { serviceError, type ServiceError } from "./errors.js";
import {
  CONTACT_EXPIRY_KEY,
  CONTACT_LIMITS as L,
  ENDPOINT_TYPES,
  REFERENCE_ARN_PATTERN,
  REFERENCE_STATUSES,
  REFERENCE_TYPES,
  SYSTEM_SEGMENT_PREFIX,
  USER_SEGMENT_KEY_PATTERN,
} from "./model.js";
import { charLength } from "./validateUpdate.js";

export interface ValidContactUpdate {
  name?: string;
  description?: string;
  references?: Record<string, Reference>;
  segmentAttributes?: Record<string, SegmentAttributeValue>;
  queueId?: string;
  userId?: string;
  customerEndpoint?: ContactEndpoint;
  systemEndpoint?: ContactEndpoint;
}

export type ContactUpdateResult = { ok: true; value: ValidContactUpdate } | { ok: false; error: ServiceError };

/** Thrown inside this module only, so each check is one line; turned into a result at the top. */
class Invalid extends Error {
  constructor(readonly error: ServiceError) {
    super(error.message);
  }
}

const request = (message: string) => new Invalid(serviceError("InvalidRequestException", message));
const parameter = (message: string) => new Invalid(serviceError("InvalidParameterException", message));

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Optional members: the SDK never sends null, but a hand-written body might; null means absent. */
function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function str(value: unknown, name: string): string {
  if (typeof value !== "string") throw request(`${name} must be a string.`);
  return value;
}

function obj(value: unknown, name: string): Record<string, unknown> {
  if (!isObject(value)) throw request(`${name} must be an object.`);
  return value;
}

function length(value: string, min: number, max: number, name: string): string {
  const n = value.length > max ? charLength(value) : value.length;
  if (n < min || n > max) throw parameter(`${name} must be ${min} to ${max} characters long.`);
  return value;
}

function oneOf(value: string, allowed: readonly string[], name: string): string {
  if (!allowed.includes(value)) throw parameter(`${name} must be one of ${allowed.join(", ")}; got "${value}".`);
  return value;
}

function preview(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}

/** Reference.Type documentation: "DATE must be of type Epoch timestamp." Seconds or milliseconds, digits only. */
const EPOCH = /^\d+(\.\d+)?$/;

function checkReference(key: string, raw: unknown): Reference {
  const name = `References["${preview(key)}"]`;
  length(key, 1, L.referenceKeyMax, "Reference keys");
  const r = obj(raw, name);
  if (!present(r.Type)) throw request(`${name}.Type is required.`);
  const ref: Reference = { Type: oneOf(str(r.Type, `${name}.Type`), REFERENCE_TYPES, `${name}.Type`) };
  if (present(r.Value)) ref.Value = length(str(r.Value, `${name}.Value`), 0, L.referenceValueMax, `${name}.Value`);
  if (ref.Type === "DATE" && ref.Value !== undefined && !EPOCH.test(ref.Value)) {
    throw parameter(`${name}.Value must be an epoch timestamp for a DATE reference; got "${preview(ref.Value)}".`);
  }
  if (present(r.Status)) ref.Status = oneOf(str(r.Status, `${name}.Status`), REFERENCE_STATUSES, `${name}.Status`);
  if (present(r.Arn)) {
    ref.Arn = length(str(r.Arn, `${name}.Arn`), L.referenceArnMin, L.referenceArnMax, `${name}.Arn`);
    if (!REFERENCE_ARN_PATTERN.test(ref.Arn)) throw parameter(`${name}.Arn must match ^[-:/A-Za-z0-9]+.`);
  }
  if (present(r.StatusReason)) {
    ref.StatusReason = length(str(r.StatusReason, `${name}.StatusReason`), 0, L.referenceStatusReasonMax, `${name}.StatusReason`);
  }
  return ref;
}

/** The SegmentAttributeValue shape, recursively: member types and the model's lengths only. */
function checkSegmentValue(raw: unknown, name: string): SegmentAttributeValue {
  const v = obj(raw, name);
  const out: SegmentAttributeValue = {};
  if (present(v.ValueString)) {
    out.ValueString = length(str(v.ValueString, `${name}.ValueString`), 0, L.segmentValueStringMax, `${name}.ValueString`);
  }
  if (present(v.ValueArn)) {
    out.ValueArn = length(str(v.ValueArn, `${name}.ValueArn`), 0, L.segmentValueStringMax, `${name}.ValueArn`);
  }
  if (present(v.ValueInteger)) {
    // shape SegmentAttributeValueInteger is a (32-bit) integer.
    const n = v.ValueInteger;
    if (typeof n !== "number" || !Number.isInteger(n) || n < -(2 ** 31) || n >= 2 ** 31) {
      throw request(`${name}.ValueInteger must be a 32-bit integer.`);
    }
    out.ValueInteger = n;
  }
  if (present(v.ValueMap)) {
    const map: Record<string, SegmentAttributeValue> = {};
    for (const [k, inner] of Object.entries(obj(v.ValueMap, `${name}.ValueMap`))) {
      length(k, 1, L.segmentKeyMax, `${name}.ValueMap keys`);
      map[k] = checkSegmentValue(inner, `${name}.ValueMap["${preview(k)}"]`);
    }
    out.ValueMap = map;
  }
  if (present(v.ValueList)) {
    if (!Array.isArray(v.ValueList)) throw request(`${name}.ValueList must be a list.`);
    out.ValueList = v.ValueList.map((inner, i) => checkSegmentValue(inner, `${name}.ValueList[${i}]`));
  }
  return out;
}

/**
 * Which segment attributes UpdateContact may change (SegmentAttributes documentation): Contact Expiry,
 * set as {"ValueMap": {"ExpiryDuration": {"ValueInteger": minutes}}}, and user-defined String - String
 * attributes. Other system (`connect:`) keys are InvalidParameterException. The simulator does not model
 * the instance's predefined-attribute list, so any user-defined key with the documented characters passes.
 */
function checkSegmentAttribute(key: string, raw: unknown): SegmentAttributeValue {
  const name = `SegmentAttributes["${preview(key)}"]`;
  length(key, 1, L.segmentKeyMax, "SegmentAttributes keys");
  const value = checkSegmentValue(raw, name);
  if (key.startsWith(SYSTEM_SEGMENT_PREFIX)) {
    if (key !== CONTACT_EXPIRY_KEY) {
      throw parameter(`${name} cannot be updated: of the system segment attributes only ${CONTACT_EXPIRY_KEY} can.`);
    }
    const minutes = value.ValueMap?.ExpiryDuration?.ValueInteger;
    if (minutes === undefined || minutes <= 0) {
      throw parameter(`${name} must be {"ValueMap": {"ExpiryDuration": {"ValueInteger": <minutes > 0>}}}.`);
    }
    return value;
  }
  if (!USER_SEGMENT_KEY_PATTERN.test(key)) {
    throw parameter(`${name}: keys can include only alphanumeric, - and _ characters (or be a connect: system key).`);
  }
  const members = Object.keys(value);
  if (value.ValueString === undefined || members.length !== 1) {
    throw parameter(`${name}: a user-defined segment attribute must be a string, given as {"ValueString": "..."} only.`);
  }
  return value;
}

function checkEndpoint(raw: unknown, name: string): ContactEndpoint {
  const e = obj(raw, name);
  const out: ContactEndpoint = {};
  if (present(e.Type)) out.Type = oneOf(str(e.Type, `${name}.Type`), ENDPOINT_TYPES, `${name}.Type`);
  if (present(e.Address)) out.Address = length(str(e.Address, `${name}.Address`), 0, L.endpointAddressMax, `${name}.Address`);
  return out;
}

function check(body: unknown): ValidContactUpdate {
  if (!isObject(body)) throw request("The request body must be a JSON object.");
  const out: ValidContactUpdate = {};
  if (present(body.Name)) out.name = length(str(body.Name, "Name"), 0, L.nameMax, "Name");
  if (present(body.Description)) out.description = length(str(body.Description, "Description"), 0, L.descriptionMax, "Description");
  if (present(body.References)) {
    const refs: Record<string, Reference> = {};
    for (const [k, v] of Object.entries(obj(body.References, "References"))) refs[k] = checkReference(k, v);
    out.references = refs;
  }
  if (present(body.SegmentAttributes)) {
    const segs: Record<string, SegmentAttributeValue> = {};
    for (const [k, v] of Object.entries(obj(body.SegmentAttributes, "SegmentAttributes"))) segs[k] = checkSegmentAttribute(k, v);
    out.segmentAttributes = segs;
  }
  if (present(body.QueueInfo)) {
    const q = obj(body.QueueInfo, "QueueInfo");
    // shape QueueInfoInput.Id is an unconstrained string; absent Id is allowed by the model.
    out.queueId = present(q.Id) ? str(q.Id, "QueueInfo.Id") : "";
  }
  if (present(body.UserInfo)) {
    const u = obj(body.UserInfo, "UserInfo");
    if (!present(u.UserId)) throw parameter("UserInfo.UserId must be 1 to 256 characters long.");
    out.userId = length(str(u.UserId, "UserInfo.UserId"), 1, L.userIdMax, "UserInfo.UserId");
  }
  if (present(body.CustomerEndpoint)) out.customerEndpoint = checkEndpoint(body.CustomerEndpoint, "CustomerEndpoint");
  if (present(body.SystemEndpoint)) out.systemEndpoint = checkEndpoint(body.SystemEndpoint, "SystemEndpoint");
  if (Object.keys(out).length === 0) {
    // API reference: "At least one field to be updated must be present in the request."
    throw request("At least one field to be updated must be present in the request.");
  }
  return out;
}

export function validateUpdateContact(body: unknown): ContactUpdateResult {
  try {
    return { ok: true, value: check(body) };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, error: err.error };
    throw err;
  }
}

/** Fields that, per the model documentation, "can only be updated for external audio contacts". */
export function externalAudioOnly(update: ValidContactUpdate): string[] {
  const names: Array<[keyof ValidContactUpdate, string]> = [
    ["queueId", "QueueInfo"],
    ["userId", "UserInfo"],
    ["customerEndpoint", "CustomerEndpoint"],
    ["systemEndpoint", "SystemEndpoint"],
  ];
  return names.filter(([k]) => update[k] !== undefined).map(([, n]) => n);
}
