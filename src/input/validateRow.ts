import type { ContactRow, RowCheck } from "./ContactRow.js";
import { ATTRIBUTE_KEY, LIMITS } from "./limits.js";

function show(s: string): string {
  return s.length > 40 ? `"${s.slice(0, 40)}..."` : `"${s}"`;
}

/** Checks a row against the service's limits, since the SDK sends anything. */
export function validateRow(row: ContactRow): RowCheck {
  const bad = (code: string, reason: string): RowCheck => ({ ok: false, code, reason });
  if (row.contactId.length === 0) return bad("MissingContactId", "has no contact id");
  if (row.contactId.length > LIMITS.contactIdMax) {
    return bad("ContactIdTooLong", `has a contact id of ${row.contactId.length} characters (at most ${LIMITS.contactIdMax})`);
  }
  if (row.instanceId.length === 0) return bad("MissingInstanceId", "has no instance id (give an instanceId column or --instance-id)");
  if (row.instanceId.length > LIMITS.instanceIdMax) {
    return bad("InstanceIdTooLong", `has an instance id of ${row.instanceId.length} characters (at most ${LIMITS.instanceIdMax})`);
  }
  const keys = Object.keys(row.attributes);
  if (keys.length === 0) return bad("NoAttributes", "has no attribute to set (every attribute cell is empty)");
  let bytes = 0;
  for (const key of keys) {
    if (key.length > LIMITS.attributeKeyMax) return bad("InvalidAttributeKey", `has an attribute name of ${key.length} characters`);
    if (!ATTRIBUTE_KEY.test(key)) {
      return bad("InvalidAttributeKey", `has attribute name ${show(key)}; names may hold only letters, digits, "-" and "_"`);
    }
    const value = row.attributes[key] as string;
    if (value.length > LIMITS.attributeValueMax) {
      return bad("AttributeValueTooLong", `has a value of ${value.length} characters for "${key}" (at most ${LIMITS.attributeValueMax})`);
    }
    bytes += Buffer.byteLength(key, "utf8") + Buffer.byteLength(value, "utf8");
  }
  if (bytes > LIMITS.attributesTotalBytes) {
    return bad("AttributesTooLarge", `has attributes of ${bytes} UTF-8 bytes in total (at most ${LIMITS.attributesTotalBytes})`);
  }
  return { ok: true, row };
}
