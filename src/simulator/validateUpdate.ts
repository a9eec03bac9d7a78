/**
 * UpdateContactAttributes request validation, as the service enforces it. The SDK checks nothing client
 * side, so this is the only place a worker's own validation can be proven wrong.
 */
import { serviceError, type ServiceError } from "./errors.js";

/** From the service model (connect-2017-08-08); see also model.ts. */
export const LIMITS = {
  /** shape ContactId: min 1, max 256. */
  contactIdMax: 256,
  /** shape InstanceId: min 1, max 100. */
  instanceIdMax: 100,
  /** shape AttributeName: min 1, max 32767. */
  keyMax: 32767,
  /** shape AttributeValue: min 0, max 32767. */
  valueMax: 32767,
  /**
   * Across all keys and values of a contact, in UTF-8 bytes: "up to 32,768 UTF-8 bytes across all
   * attributes for a contact" (documentation of UpdateContactAttributesRequest.Attributes).
   */
  totalBytesMax: 32768,
} as const;

/** Documented on UpdateContactAttributesRequest.Attributes ("only alphanumeric, dash, and underscore"), not modelled. */
const KEY_PATTERN = /^[A-Za-z0-9_-]+$/;

export interface ValidUpdate {
  readonly instanceId: string;
  readonly contactId: string;
  readonly attributes: Record<string, string>;
}

export type ValidationResult = { ok: true; value: ValidUpdate } | { ok: false; error: ServiceError };

/**
 * Service limits count characters (code points), not UTF-16 units. Code points never exceed UTF-16
 * length, so the cheap `.length` answers most cases and the exact count is only paid near the limit.
 */
export function charLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function tooLong(s: string, max: number): boolean {
  return s.length > max && charLength(s) > max;
}

export function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

function invalidRequest(message: string): ValidationResult {
  return { ok: false, error: serviceError("InvalidRequestException", message) };
}

function invalidParameter(message: string): ValidationResult {
  return { ok: false, error: serviceError("InvalidParameterException", message) };
}

function preview(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}

/**
 * Checks a parsed JSON body. Shape problems (missing members, wrong JSON types) are InvalidRequest;
 * values of the right type outside their limits are InvalidParameter.
 */
export function validateUpdate(body: unknown): ValidationResult {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return invalidRequest("The request body must be a JSON object.");
  }
  const { InitialContactId: contactId, InstanceId: instanceId, Attributes: attributes } = body as Record<string, unknown>;

  if (contactId === undefined || contactId === null) return invalidRequest("InitialContactId is required.");
  if (typeof contactId !== "string") return invalidRequest("InitialContactId must be a string.");
  if (instanceId === undefined || instanceId === null) return invalidRequest("InstanceId is required.");
  if (typeof instanceId !== "string") return invalidRequest("InstanceId must be a string.");
  if (attributes === undefined || attributes === null) return invalidRequest("Attributes is required.");
  if (typeof attributes !== "object" || Array.isArray(attributes)) {
    return invalidRequest("Attributes must be a map of string to string.");
  }

  if (contactId.length === 0 || tooLong(contactId, LIMITS.contactIdMax)) {
    return invalidParameter(`InitialContactId must be 1 to ${LIMITS.contactIdMax} characters long.`);
  }
  if (instanceId.length === 0 || tooLong(instanceId, LIMITS.instanceIdMax)) {
    return invalidParameter(`InstanceId must be 1 to ${LIMITS.instanceIdMax} characters long.`);
  }

  let totalBytes = 0;
  for (const [key, value] of Object.entries(attributes)) {
    if (key.length === 0 || key.length > LIMITS.keyMax) {
      // Keys are ASCII once the pattern holds, so .length is the character count.
      return invalidParameter(`Attribute keys must be 1 to ${LIMITS.keyMax} characters long.`);
    }
    if (!KEY_PATTERN.test(key)) {
      return invalidParameter(`Attribute key "${preview(key)}" is invalid: only letters, digits, hyphen and underscore are allowed.`);
    }
    if (typeof value !== "string") {
      return invalidRequest(`Attribute "${preview(key)}" must have a string value.`);
    }
    if (tooLong(value, LIMITS.valueMax)) {
      const limit = LIMITS.valueMax;
      return invalidParameter(`Attribute "${preview(key)}" value must be at most ${limit} characters long.`);
    }
    totalBytes += key.length + utf8Bytes(value);
  }
  if (totalBytes > LIMITS.totalBytesMax) {
    return invalidParameter(`Attributes total ${totalBytes} bytes; the limit is ${LIMITS.totalBytesMax} bytes across all attributes.`);
  }

  return { ok: true, value: { instanceId, contactId, attributes: attributes as Record<string, string> } };
}
