import { codePoints, longerThan } from "../lib/codePoints.js";
import type { Verdict } from "./Operation.js";

/** shapes InstanceId (1–100) and ContactId (1–256): the same for every contact operation. */
export const ID_LIMITS = Object.freeze({ contactIdMax: 256, instanceIdMax: 100 });

/** The contact's ids, checked before any field: a row without them can never be sent. */
export function checkIds(contactId: string, instanceId: string): Verdict {
  const bad = (code: string, reason: string): Verdict => ({ ok: false, code, reason });
  if (contactId.length === 0) return bad("MissingContactId", "has no contact id");
  if (longerThan(contactId, ID_LIMITS.contactIdMax)) {
    return bad("ContactIdTooLong", `has a contact id of ${codePoints(contactId)} characters (at most ${ID_LIMITS.contactIdMax})`);
  }
  if (instanceId.length === 0) return bad("MissingInstanceId", "has no instance id (give an instanceId column or --instance-id)");
  if (longerThan(instanceId, ID_LIMITS.instanceIdMax)) {
    return bad("InstanceIdTooLong", `has an instance id of ${codePoints(instanceId)} characters (at most ${ID_LIMITS.instanceIdMax})`);
  }
  return { ok: true };
}
