import { type ColumnPlan, type OriginalRecord, originalOf } from "../../domain/originalOf.js";
import { type ChunkJobData, fieldsOf, omitOf, prevOf, type QueuedRow } from "../../domain/queuedRow.js";
import type { ContactRow } from "../../operations/ContactRow.js";
import type { Fields } from "../../operations/Operation.js";

/**
 * A queued row in a worker's hands: the row the producer checked (nothing is
 * checked again), its place in its contact's chain, and, only when it fails,
 * the record it was read from (for failures.csv and `retry`).
 */
export class WorkRow implements ContactRow {
  readonly line: number;
  readonly contactId: string;
  readonly instanceId: string;
  readonly initiationTimestamp: number | undefined;
  readonly fields: Fields;
  readonly ifCurrent: ContactRow["ifCurrent"];
  readonly prev: number;
  readonly omit: ReadonlyArray<readonly [string, number]> | undefined;

  constructor(
    private readonly q: QueuedRow,
    private readonly names: readonly string[],
    private readonly plan: ColumnPlan | undefined,
    defaultInstanceId: string | undefined,
  ) {
    this.line = q[0];
    this.contactId = q[1];
    this.instanceId = q[2] || (defaultInstanceId ?? "");
    this.initiationTimestamp = q[3] ?? undefined;
    this.fields = fieldsOf(q, names);
    this.ifCurrent = q[7] ?? undefined;
    this.prev = prevOf(q);
    this.omit = omitOf(q);
  }

  /** Made only when asked: most rows never fail. */
  get original(): OriginalRecord {
    return originalOf(this.q, this.names, this.plan);
  }
}

export function workRowsOf(data: ChunkJobData, manifest: { readonly columns?: ColumnPlan | undefined; readonly defaultInstanceId: string | undefined }): WorkRow[] {
  return data.rows.map((q) => new WorkRow(q, data.names, manifest.columns, manifest.defaultInstanceId));
}
