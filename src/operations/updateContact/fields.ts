import { InputFileError } from "../../input/InputFileError.js";
import { emptyFields, type FieldsCheck } from "../Operation.js";
import { JsonNumber, pick, plainJson, textOf } from "../../input/jsonValues.js";
import {
  CONTACT_EXPIRY,
  EXTERNAL_AUDIO_ONLY,
  INT32_MAX,
  REFERENCE_MEMBER_OK,
  REFERENCE_MEMBER_RULE,
  REFERENCE_MEMBERS,
  REFERENCE_TYPES,
  type ReferenceType,
} from "./model.js";

/**
 * A row's UpdateContact fields, one per thing the API sets on its own:
 *   Name, Description, `ref:<Key>` → {Value, Type}, `seg:<Key>` → a SegmentAttributeValue.
 * The same names are the CSV columns (`ref:<Key>:<TYPE>` gives a type), and what
 * `retry` keeps to leave out what a later row of the contact already applied.
 */
export const NAME = "Name";
export const DESCRIPTION = "Description";
export const REF = "ref:";
export const SEG = "seg:";

const COLUMN_HELP = `name, description, ref:<Key> (a STRING reference), ref:<Key>:<TYPE> (TYPE one of ${REFERENCE_TYPES.join(", ")}), seg:<Key> (a string segment attribute) or seg:${CONTACT_EXPIRY} (minutes)`;

type Column =
  | { readonly field: string; readonly kind: "name" | "description" }
  | { readonly field: string; readonly kind: "ref"; readonly type: ReferenceType }
  | { readonly field: string; readonly kind: "seg" };

/** What a header column means for UpdateContact, or undefined. */
function columnOf(header: string): Column | undefined {
  const lower = header.toLowerCase();
  if (lower === "name") return { field: NAME, kind: "name" };
  if (lower === "description") return { field: DESCRIPTION, kind: "description" };
  if (lower.startsWith(REF)) {
    const rest = header.slice(REF.length);
    // The last ":" names a type only when what follows is one: reference keys may hold ":".
    const cut = rest.lastIndexOf(":");
    const maybe = cut > 0 ? rest.slice(cut + 1).toUpperCase() : "";
    const type = (REFERENCE_TYPES as readonly string[]).includes(maybe) ? (maybe as ReferenceType) : undefined;
    const key = type ? rest.slice(0, cut) : rest;
    return key === "" ? undefined : { field: `${REF}${key}`, kind: "ref", type: type ?? "STRING" };
  }
  if (lower.startsWith(SEG)) {
    const key = header.slice(SEG.length);
    return key === "" ? undefined : { field: `${SEG}${key}`, kind: "seg" };
  }
  return undefined;
}

export function checkColumns(columns: readonly string[], path: string): void {
  /** Field → the column that sets it: two columns setting one field (name and Name, ref:note and ref:note:URL) would leave one value unsent without a word. */
  const setBy = new Map<string, string>();
  for (const c of columns) {
    if ((EXTERNAL_AUDIO_ONLY as readonly string[]).some((m) => m.toLowerCase() === c.toLowerCase())) {
      throw new InputFileError(
        `${path}: column "${c}" is for external audio contacts only (Contact Lens integration), which connect-backfill does not update; remove the column.`,
      );
    }
    const col = columnOf(c);
    if (!col)
      throw new InputFileError(`${path}: column "${c}" means nothing to UpdateContact; its columns are ${COLUMN_HELP} (prefix a column with # to keep it unsent).`);
    const other = setBy.get(col.field);
    if (other !== undefined) throw new InputFileError(`${path}: columns "${other}" and "${c}" both set ${describe(col)}; keep one.`);
    setBy.set(col.field, c);
  }
}

function describe(col: Column): string {
  return col.kind === "ref"
    ? `reference "${col.field.slice(REF.length)}"`
    : col.kind === "seg"
      ? `segment attribute "${col.field.slice(SEG.length)}"`
      : `the ${col.kind}`;
}

export function fieldsFromCells(cells: ReadonlyArray<readonly [string, string]>): FieldsCheck {
  const fields = emptyFields();
  for (const [header, value] of cells) {
    const col = columnOf(header);
    if (!col) return { ok: false, code: "UnknownField", reason: `has a value in column "${header}", which UpdateContact does not take` };
    if (col.kind === "ref") fields[col.field] = { Value: value, Type: col.type };
    else if (col.kind === "seg") {
      if (col.field === `${SEG}${CONTACT_EXPIRY}`) {
        const minutes = Number(value);
        // The value itself is not said: messages reach the summary, the webhook and the console, never customer data.
        if (!/^\d+$/.test(value.trim()) || minutes <= 0 || minutes > INT32_MAX) {
          return { ok: false, code: "InvalidSegmentAttribute", reason: `has ${CONTACT_EXPIRY} that is not a whole number of minutes from 1 to ${INT32_MAX}` };
        }
        fields[col.field] = { ValueMap: { ExpiryDuration: { ValueInteger: minutes } } };
      } else fields[col.field] = { ValueString: value };
    } else fields[col.field] = value;
  }
  return { ok: true, fields };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber);
}

/**
 * JSONL: the API's own member names (Name, Description, References, SegmentAttributes)
 * or friendly ones (name, description, references, segmentAttributes). A reference
 * given as a string is a STRING reference; a segment attribute given as a string is
 * its ValueString.
 */
export function fieldsFromObject(obj: Record<string, unknown>): FieldsCheck {
  const bad = (code: string, reason: string): FieldsCheck => ({ ok: false, code, reason });
  for (const m of EXTERNAL_AUDIO_ONLY) {
    if (Object.hasOwn(obj, m)) return bad("UnsupportedField", `has ${m}, which the API takes for external audio contacts only; connect-backfill does not send it`);
  }
  const fields = emptyFields();
  for (const [field, names] of [
    [NAME, ["Name", "name"]],
    [DESCRIPTION, ["Description", "description"]],
  ] as const) {
    const raw = pick(obj, names);
    if (raw === undefined || raw === null) continue;
    const text = textOf(raw);
    if (text === undefined) return bad("InvalidField", `has a ${field} that is not text`);
    fields[field] = text;
  }
  const refs = pick(obj, ["References", "references"]);
  if (refs !== undefined && refs !== null) {
    if (!isObject(refs)) return bad("InvalidReference", 'has "References" that is not an object of key → reference');
    for (const [key, ref] of Object.entries(refs)) {
      if (ref === null) continue;
      const text = textOf(ref);
      if (text !== undefined) fields[`${REF}${key}`] = { Value: text, Type: "STRING" };
      else if (isObject(ref)) {
        // The model's members, as it spells them: "type" or "Whatever" would be dropped without a word (and a
        // Status or an Arn were, the model's own).
        const stray = Object.keys(ref).find((m) => !(REFERENCE_MEMBERS as readonly string[]).includes(m));
        if (stray !== undefined)
          return bad(
            "InvalidReference",
            `has reference "${key.slice(0, 40)}" with member "${stray.slice(0, 40)}"; a reference's members are ${REFERENCE_MEMBERS.join(", ")}`,
          );
        const value = ref.Value === undefined ? undefined : textOf(ref.Value);
        if (ref.Value !== undefined && value === undefined) return bad("InvalidReference", `has reference "${key.slice(0, 40)}" whose Value is not text`);
        const extra: Record<string, unknown> = {};
        for (const m of ["Status", "Arn"] as const) {
          if (ref[m] === undefined || ref[m] === null) continue;
          const t = textOf(ref[m]);
          if (t === undefined || !REFERENCE_MEMBER_OK[m](t))
            return bad("InvalidReference", `has reference "${key.slice(0, 40)}" whose ${m} is not ${REFERENCE_MEMBER_RULE[m]}`);
          extra[m] = t;
        }
        fields[`${REF}${key}`] = { ...(value !== undefined ? { Value: value } : {}), Type: plainJson(ref.Type), ...extra };
      } else return bad("InvalidReference", `has reference "${key.slice(0, 40)}" that is neither text nor {"Value", "Type"}`);
    }
  }
  const segs = pick(obj, ["SegmentAttributes", "segmentAttributes"]);
  if (segs !== undefined && segs !== null) {
    if (!isObject(segs)) return bad("InvalidSegmentAttribute", 'has "SegmentAttributes" that is not an object of key → value');
    for (const [key, value] of Object.entries(segs)) {
      if (value === null) continue;
      const text = textOf(value);
      if (text !== undefined) fields[`${SEG}${key}`] = { ValueString: text };
      else if (isObject(value)) fields[`${SEG}${key}`] = plainJson(value);
      else return bad("InvalidSegmentAttribute", `has segment attribute "${key.slice(0, 40)}" that is neither text nor a SegmentAttributeValue`);
    }
  }
  return { ok: true, fields };
}
