import { type ColumnMapping, columnRoles, type ColumnRoles } from "../input/columnRoles.js";
import { envelopeOfFields, envelopeOfObject, type RowDefaults } from "../input/envelope.js";
import type { SourceShape } from "../input/openSource.js";
import type { SourceRecord } from "../input/SourceRecord.js";
import { checkIds } from "./contactIds.js";
import type { ContactRow, RowCheck } from "./ContactRow.js";
import type { Operation } from "./Operation.js";
import { strayMember } from "./strayMember.js";

export type { RowDefaults };

/**
 * Turns any record (good or broken) into a row `op` can send, or the reason it
 * cannot be one: the envelope (contact, instance, start) as the file gives it,
 * the contact's ids, then the operation's fields and limits. Pure.
 */
export function checkRecord(rec: SourceRecord, roles: ColumnRoles | undefined, defaults: RowDefaults, op: Operation): RowCheck {
  if (rec.kind === "malformed") return { ok: false, code: rec.code, reason: rec.reason };
  if (rec.kind === "fields" && rec.refused) return { ok: false, ...rec.refused };
  if (rec.kind === "fields" && !roles) throw new Error("CSV record without column roles");
  const env = rec.kind === "fields" ? envelopeOfFields(rec.fields, roles as ColumnRoles, defaults) : envelopeOfObject(rec.value, defaults);
  if (!env.ok) return env;
  const { contactId, instanceId, initiationTimestamp, body } = env.envelope;
  const ids = checkIds(contactId, instanceId);
  if (!ids.ok) return ids;
  const fields = body.kind === "cells" ? op.fieldsFromCells(body.cells) : op.fieldsFromObject(body.value);
  if (!fields.ok) return fields;
  // Before the limits: a row whose attributes sit beside "attributes" is said as that, not as one without any.
  const stray = body.kind === "object" ? strayMember(body.value, op) : undefined;
  if (stray) return { ok: false, ...stray };
  const verdict = op.validate(fields.fields);
  if (!verdict.ok) return verdict;
  const { ifCurrent } = env.envelope;
  // A read of the contact's user-defined attributes is what checks it: only they can be expected.
  if (ifCurrent && op.name !== "UpdateContactAttributes")
    return { ok: false, code: "InvalidIfCurrent", reason: `has "ifCurrent", which only UpdateContactAttributes rows take` };
  const row: ContactRow = { line: rec.line, contactId, instanceId, initiationTimestamp, fields: fields.fields, ...(ifCurrent ? { ifCurrent } : {}) };
  return { ok: true, row };
}

/** Column roles for a shape, for workers that only have what the run manifest kept. */
export function rolesOf(shape: SourceShape, mapping?: ColumnMapping): ColumnRoles | undefined {
  return shape.format === "csv" ? columnRoles(shape.header, "(run manifest)", mapping) : undefined;
}
