import { checkRecord, rolesOf } from "../operations/checkRecord.js";
import type { ColumnRoles } from "../input/columnRoles.js";
import type { RowCheck } from "../operations/ContactRow.js";
import type { Operation } from "../operations/Operation.js";
import { operationNamed } from "../operations/registry.js";
import type { Outcome } from "../report/Outcome.js";
import type { ChunkRow } from "./ChunkJob.js";
import type { RunManifest } from "../domain/run/manifest.js";

export interface DecodedRow {
  readonly line: number;
  readonly check: RowCheck;
  readonly original: Outcome["original"];
}

/** Reads a queued row again with the run's own header and defaults, exactly as the producer did. */
export class ChunkDecoder {
  private readonly roles: ColumnRoles | undefined;
  readonly op: Operation;
  constructor(private readonly manifest: RunManifest) {
    this.roles = rolesOf(manifest.shape, manifest.mapping);
    this.op = operationNamed(manifest.operation);
  }

  decode([line, record]: ChunkRow): DecodedRow {
    const rec = Array.isArray(record) ? { kind: "fields" as const, line, fields: record } : { kind: "object" as const, line, value: record };
    const check = checkRecord(rec, this.roles, { instanceId: this.manifest.defaultInstanceId }, this.op);
    return { line, check, original: Array.isArray(record) ? { fields: record } : { object: record } };
  }
}
