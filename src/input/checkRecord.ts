import { columnRoles, type ColumnRoles } from "./columnRoles.js";
import type { RowCheck } from "./ContactRow.js";
import { normalizeFields, normalizeObject, type RowDefaults } from "./normalizeRow.js";
import type { SourceShape } from "./openSource.js";
import type { SourceRecord } from "./SourceRecord.js";

/** Turns any record (good or broken) into a checked row or a reason. Pure. */
export function checkRecord(rec: SourceRecord, roles: ColumnRoles | undefined, defaults: RowDefaults): RowCheck {
  switch (rec.kind) {
    case "malformed":
      return { ok: false, code: rec.code, reason: rec.reason };
    case "fields":
      if (!roles) throw new Error("CSV record without column roles");
      return normalizeFields(rec.fields, roles, rec.line, defaults);
    case "object":
      return normalizeObject(rec.value, rec.line, defaults);
  }
}

/** Column roles for a shape, for workers that only have what the run manifest kept. */
export function rolesOf(shape: SourceShape): ColumnRoles | undefined {
  return shape.format === "csv" ? columnRoles(shape.header, "(run manifest)") : undefined;
}
