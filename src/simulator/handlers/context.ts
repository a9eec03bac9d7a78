/** What an operation handler may touch: the contacts, the accepted log and the clock. */
import type { AcceptedLog } from "../AcceptedLog.js";
import type { ContactStore, StoredContact } from "../ContactStore.js";
import { serviceError, type ServiceError } from "../errors.js";
import { CONTACT_LIMITS, type Operation } from "../model.js";
import { charLength } from "../validateUpdate.js";

export interface HandlerContext {
  readonly store: ContactStore;
  readonly log: AcceptedLog;
  now(): number;
}

/** Request facts the front door already extracted. */
export interface RequestInfo {
  /** From the SigV4 credential scope; used to build ARNs. */
  region: string;
}

export function isError(value: StoredContact | ServiceError): value is ServiceError {
  return "code" in value;
}

/**
 * Path labels obey the InstanceId (1..100) and ContactId (1..256) shapes. GetContactAttributes does not
 * model InvalidParameterException, so its label errors are InvalidRequestException.
 */
export function checkLabels(operation: Operation, instanceId: string, contactId: string): ServiceError | undefined {
  const code = operation === "GetContactAttributes" ? "InvalidRequestException" : "InvalidParameterException";
  const within = (s: string, max: number) => s.length > 0 && (s.length <= max || charLength(s) <= max);
  if (!within(instanceId, CONTACT_LIMITS.instanceIdMax)) {
    return serviceError(code, `InstanceId must be 1 to ${CONTACT_LIMITS.instanceIdMax} characters long.`);
  }
  if (!within(contactId, CONTACT_LIMITS.contactIdMax)) {
    return serviceError(code, `ContactId must be 1 to ${CONTACT_LIMITS.contactIdMax} characters long.`);
  }
  return undefined;
}

/** Parses a JSON body; undefined body means it was over the service's size limit. */
export function parseJson(body: string | undefined): { ok: true; value: unknown } | { ok: false; error: ServiceError } {
  if (body !== undefined) {
    try {
      return { ok: true, value: JSON.parse(body) };
    } catch {
      // fall through
    }
  }
  return { ok: false, error: serviceError("InvalidRequestException", "The request body is not valid JSON or exceeds 1 MiB.") };
}
