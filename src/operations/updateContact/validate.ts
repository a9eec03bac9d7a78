import { codePoints, longerThan } from "../../lib/codePoints.js";
import type { Fields, Verdict } from "../Operation.js";
import { show } from "../show.js";
import { DESCRIPTION, NAME, REF, SEG } from "./fields.js";
import { CONTACT_EXPIRY, EPOCH, INT32_MAX, LIMITS, REFERENCE_TYPES, SEGMENT_KEY } from "./model.js";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** UpdateContact's fields against the service model: the SDK sends anything, the service answers 400. */
export function validateUpdateContact(fields: Fields): Verdict {
  const bad = (code: string, reason: string): Verdict => ({ ok: false, code, reason });
  const names = Object.keys(fields);
  if (names.length === 0) return bad("NothingToUpdate", "has nothing to update (no name, description, reference or segment attribute)");
  let refBytes = 0;
  for (const field of names) {
    const value = fields[field];
    if (field === NAME || field === DESCRIPTION) {
      const max = field === NAME ? LIMITS.nameMax : LIMITS.descriptionMax;
      if (longerThan(value as string, max))
        return bad(`${field}TooLong`, `has a ${field.toLowerCase()} of ${codePoints(value as string)} characters (at most ${max})`);
    } else if (field.startsWith(REF)) {
      const key = field.slice(REF.length);
      if (key.length < 1 || longerThan(key, LIMITS.referenceKeyMax))
        return bad("InvalidReference", `has a reference key of ${codePoints(key)} characters (1 to ${LIMITS.referenceKeyMax})`);
      const ref = value as { Value?: string; Type?: unknown };
      if (!(REFERENCE_TYPES as readonly unknown[]).includes(ref.Type)) {
        return bad("InvalidReference", `has reference ${show(key)} of type ${show(String(ref.Type))}; the type is one of ${REFERENCE_TYPES.join(", ")}`);
      }
      const text = ref.Value ?? "";
      if (longerThan(text, LIMITS.referenceValueMax))
        return bad("InvalidReference", `has reference ${show(key)} with a value of ${codePoints(text)} characters (at most ${LIMITS.referenceValueMax})`);
      // The value itself is not said: messages reach the summary, the webhook and the console, never customer data.
      if (ref.Type === "DATE" && !EPOCH.test(text))
        return bad("InvalidReference", `has DATE reference ${show(key)} whose value is not an epoch timestamp (seconds, digits only)`);
      refBytes += Buffer.byteLength(key, "utf8") + Buffer.byteLength(text, "utf8");
    } else if (field.startsWith(SEG)) {
      const key = field.slice(SEG.length);
      if (key.length < 1 || longerThan(key, LIMITS.segmentKeyMax))
        return bad("InvalidSegmentAttribute", `has a segment attribute key of ${codePoints(key)} characters (1 to ${LIMITS.segmentKeyMax})`);
      if (key === CONTACT_EXPIRY) {
        const minutes = (value as { ValueMap?: { ExpiryDuration?: { ValueInteger?: unknown } } }).ValueMap?.ExpiryDuration?.ValueInteger;
        if (typeof minutes !== "number" || !Number.isInteger(minutes) || minutes <= 0 || minutes > INT32_MAX) {
          return bad(
            "InvalidSegmentAttribute",
            `has ${CONTACT_EXPIRY} that is not {"ValueMap": {"ExpiryDuration": {"ValueInteger": <minutes from 1 to ${INT32_MAX}>}}}`,
          );
        }
        continue;
      }
      if (key.startsWith("connect:")) {
        return bad("InvalidSegmentAttribute", `has system segment attribute ${show(key)}; of the connect: ones only ${CONTACT_EXPIRY} can be updated`);
      }
      if (!SEGMENT_KEY.test(key)) return bad("InvalidSegmentAttribute", `has segment attribute ${show(key)}; keys may hold only letters, digits, "-" and "_"`);
      const v = value as Record<string, unknown>;
      if (!isObject(v) || Object.keys(v).length !== 1 || typeof v.ValueString !== "string") {
        return bad("InvalidSegmentAttribute", `has segment attribute ${show(key)} that is not a string; user-defined segment attributes are {"ValueString": "…"}`);
      }
      if (longerThan(v.ValueString, LIMITS.segmentValueMax)) {
        return bad("InvalidSegmentAttribute", `has segment attribute ${show(key)} of ${codePoints(v.ValueString)} characters (at most ${LIMITS.segmentValueMax})`);
      }
    } else return bad("UnknownField", `has field ${show(field)}, which UpdateContact does not take`);
  }
  if (refBytes > LIMITS.referencesTotalBytes) {
    return bad("ReferencesTooLarge", `has references of ${refBytes} UTF-8 bytes in total (at most ${LIMITS.referencesTotalBytes})`);
  }
  return { ok: true };
}
