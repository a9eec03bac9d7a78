import { codePoints, longerThan } from "../../lib/codePoints.js";
import { connectSdk } from "../../lib/connectSdk.js";
import { sendCommand } from "../../lib/sendCommand.js";
import { emptyFields, type Fields, type FieldsCheck, type Operation, type Verdict } from "../Operation.js";
import { isJsonNumber, pick, textOf } from "../../input/jsonValues.js";
import { ATTRIBUTES_MEMBERS } from "../../domain/rowMembers.js";
import { show } from "../show.js";
import { ATTRIBUTE_KEY, LIMITS } from "./limits.js";

function bytesOf(key: string, value: unknown): number {
  return Buffer.byteLength(key, "utf8") + Buffer.byteLength(String(value), "utf8");
}

/** Checks a row's attributes against the service's limits, since the SDK sends anything. */
export function validateAttributes(fields: Fields): Verdict {
  const bad = (code: string, reason: string): Verdict => ({ ok: false, code, reason });
  const keys = Object.keys(fields);
  if (keys.length === 0) return bad("NoAttributes", "has no attribute to set (every attribute cell is empty)");
  let bytes = 0;
  for (const key of keys) {
    if (longerThan(key, LIMITS.attributeKeyMax)) return bad("InvalidAttributeKey", `has an attribute name of ${codePoints(key)} characters`);
    if (!ATTRIBUTE_KEY.test(key)) {
      return bad("InvalidAttributeKey", `has attribute name ${show(key)}; names may hold only letters, digits, "-" and "_"`);
    }
    const value = fields[key] as string;
    if (longerThan(value, LIMITS.attributeValueMax)) {
      return bad("AttributeValueTooLong", `has a value of ${codePoints(value)} characters for "${key}" (at most ${LIMITS.attributeValueMax})`);
    }
    bytes += bytesOf(key, value);
  }
  if (bytes > LIMITS.attributesTotalBytes) {
    return bad("AttributesTooLarge", `has attributes of ${bytes} UTF-8 bytes in total (at most ${LIMITS.attributesTotalBytes})`);
  }
  return { ok: true };
}

/** `attributes` (or the API's `Attributes`): name → value; numbers and booleans become strings, null is not sent. */
function attributesOfObject(obj: Record<string, unknown>): FieldsCheck {
  const bad = (code: string, reason: string): FieldsCheck => ({ ok: false, code, reason });
  const raw = pick(obj, ATTRIBUTES_MEMBERS);
  if (raw !== undefined && (raw === null || typeof raw !== "object" || Array.isArray(raw))) {
    return bad("NoAttributes", 'has "attributes" that is not an object of name → value');
  }
  const fields = emptyFields();
  for (const [key, value] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
    if (value === null || value === undefined) continue;
    const text = textOf(value);
    if (isJsonNumber(value) && text === undefined) return bad("InvalidAttributeValue", `has a value for "${key.slice(0, 40)}" that is not a finite number`);
    if (text === undefined) return bad("InvalidAttributeValue", `has a value for "${key.slice(0, 40)}" that is an object or array; values must be strings`);
    fields[key] = text;
  }
  return { ok: true, fields };
}

/**
 * UpdateContactAttributes: user-defined attributes on a contact (by its initial
 * contact id). The API merges (names not sent are kept) and exists since
 * 2018-09-12: contacts started before cannot be updated.
 */
export const updateContactAttributes: Operation = {
  name: "UpdateContactAttributes",
  availableSince: new Date("2018-09-12T00:00:00Z"),
  // Every other column is an attribute named by its header.
  checkColumns: () => undefined,
  fieldsFromCells(cells) {
    const fields = emptyFields();
    for (const [name, value] of cells) fields[name] = value;
    return { ok: true, fields };
  },
  fieldsFromObject: attributesOfObject,
  objectMembers: ATTRIBUTES_MEMBERS,
  validate: validateAttributes,
  callBudget: { limit: LIMITS.attributesTotalBytes, cost: bytesOf },
  send: (client, to, fields, signal, deadlineMs) =>
    sendCommand(
      client,
      new (connectSdk().UpdateContactAttributesCommand)({ InstanceId: to.instanceId, InitialContactId: to.contactId, Attributes: fields as Record<string, string> }),
      signal,
      deadlineMs,
    ),
};
