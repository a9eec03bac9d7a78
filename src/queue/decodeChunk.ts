import { checkRecord, rolesOf } from "../input/checkRecord.js";
import type { ColumnRoles } from "../input/columnRoles.js";
import type { RowCheck } from "../input/ContactRow.js";
import type { Outcome } from "../report/Outcome.js";
import type { ChunkRow } from "./ChunkJob.js";
import type { RunManifest } from "./RunStore.js";

export interface DecodedRow {
  readonly line: number;
  readonly check: RowCheck;
  readonly original: Outcome["original"];
}

/** Reads a queued row again with the run's own header and defaults, exactly as the producer did. */
export class ChunkDecoder {
  private readonly roles: ColumnRoles | undefined;
  constructor(private readonly manifest: RunManifest) {
    this.roles = rolesOf(manifest.shape);
  }

  decode([line, record]: ChunkRow): DecodedRow {
    const rec = Array.isArray(record) ? { kind: "fields" as const, line, fields: record } : { kind: "object" as const, line, value: record };
    const check = checkRecord(rec, this.roles, { instanceId: this.manifest.defaultInstanceId });
    return { line, check, original: Array.isArray(record) ? { fields: record } : { object: record } };
  }
}
