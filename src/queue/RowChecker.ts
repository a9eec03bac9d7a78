import type { ColumnRoles } from "../input/columnRoles.js";
import { pick, textOf } from "../input/jsonValues.js";
import type { SourceRecord } from "../input/SourceRecord.js";
import { type CellRole, type ColumnPlan, cellsOf, csvContext, type OriginalRecord, sameCell } from "../domain/originalOf.js";
import type { CheckedRow, RowContext } from "../domain/queuedRow.js";
import { checkRecord, type RowDefaults } from "../operations/checkRecord.js";
import type { Operation } from "../operations/Operation.js";
import type { Outcome } from "../domain/Outcome.js";
import { notSent } from "../domain/outcomes.js";

export type Checked = { readonly ok: true; readonly row: CheckedRow } | { readonly ok: false; readonly outcome: Outcome };

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Where a CSV file's cells go, for the run: workers give failed rows back as the file had them (originalOf). */
export function columnPlanOf(roles: ColumnRoles | undefined, header: readonly string[] | undefined): ColumnPlan | undefined {
  if (!roles || !header) return undefined;
  return {
    width: header.length,
    contactId: roles.contactId,
    instanceId: roles.instanceId,
    start: roles.initiationTimestamp,
    fields: roles.fields.map(([i, name]) => [i, name] as const),
  };
}

function originalOfRecord(rec: SourceRecord): OriginalRecord {
  if (rec.kind === "fields") return { fields: rec.fields };
  if (rec.kind === "object") return { object: rec.value };
  return { raw: rec.raw };
}

/**
 * The one place a record is checked (the producer's, for a file and for `retry`):
 * a row the operation can send, ready to queue, or the `invalid` outcome that
 * names the line and what is wrong. A worker never reads a record again.
 */
export class RowChecker {
  private readonly cells: CellRole[] | undefined;

  constructor(
    private readonly roles: ColumnRoles | undefined,
    private readonly defaults: RowDefaults,
    private readonly op: Operation,
    private readonly plan: ColumnPlan | undefined,
  ) {
    this.cells = plan ? cellsOf(plan) : undefined;
  }

  check(rec: SourceRecord): Checked {
    const check = checkRecord(rec, this.roles, this.defaults, this.op);
    if (!check.ok) {
      return {
        ok: false,
        outcome: notSent({ line: rec.line, ...this.idsOf(rec) }, "invalid", check.code, `line ${rec.line} ${check.reason}`, { original: originalOfRecord(rec) }),
      };
    }
    // The checked row is this call's own: completed in place, no copy per row.
    const row = check.row as Mutable<CheckedRow>;
    row.givenInstanceId = this.givenInstance(rec, row.instanceId);
    const context = this.contextOf(rec, row);
    if (context) row.context = context;
    return { ok: true, row };
  }

  /** The instance as the row named it ("" when the run's default filled it in). */
  private givenInstance(rec: SourceRecord, effective: string): string {
    if (rec.kind === "fields") {
      const i = this.roles?.instanceId;
      return i === undefined || (rec.fields[i] ?? "").trim() === "" ? "" : effective;
    }
    if (rec.kind === "object") {
      const t = textOf(pick(rec.value, ["instanceId", "InstanceId"]));
      return t === undefined || t.trim() === "" ? "" : effective;
    }
    return "";
  }

  private contextOf(rec: SourceRecord, row: CheckedRow): RowContext | undefined {
    const cells = this.cells;
    if (rec.kind === "fields" && cells && this.plan) {
      const { fields } = row;
      const valueNamed = (name: string) => (Object.hasOwn(fields, name) ? fields[name] : undefined);
      return csvContext(rec.fields, this.plan.width, (i, text) => sameCell(cells[i], text, row.contactId, row.givenInstanceId, row.initiationTimestamp, valueNamed));
    }
    if (rec.kind !== "object") return undefined;
    // The object reads back from the row only where its fields are its `attributes`.
    if (this.op.name !== "UpdateContactAttributes") return { object: rec.value };
    const start = textOf(pick(rec.value, ["initiationTimestamp", "InitiationTimestamp"]));
    return start !== undefined && start.trim() !== "" ? { start } : undefined;
  }

  private idsOf(rec: SourceRecord): { contactId: string; instanceId: string } {
    const defaultInstance = this.defaults.instanceId;
    const roles = this.roles;
    if (rec.kind === "fields" && roles) {
      const instance = roles.instanceId === undefined ? "" : (rec.fields[roles.instanceId] ?? "").trim();
      return { contactId: (rec.fields[roles.contactId] ?? "").trim().slice(0, 300), instanceId: (instance || defaultInstance) ?? "" };
    }
    if (rec.kind === "malformed" && rec.ids) return { contactId: rec.ids.contactId.slice(0, 300), instanceId: (rec.ids.instanceId || defaultInstance) ?? "" };
    if (rec.kind === "object") {
      const v = rec.value;
      const c = v.contactId ?? v.initialContactId ?? v.InitialContactId ?? v.ContactId;
      const i = v.instanceId ?? v.InstanceId;
      return { contactId: typeof c === "string" ? c.slice(0, 300) : "", instanceId: (typeof i === "string" && i ? i : defaultInstance) ?? "" };
    }
    return { contactId: "", instanceId: defaultInstance ?? "" };
  }
}
