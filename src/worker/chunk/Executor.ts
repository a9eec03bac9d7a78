import type { PlannedCall } from "../../domain/groupAndFold.js";
import type { Ready } from "../../domain/settle.js";
import type { LookedUp } from "../beforeSend.js";
import type { WorkRow } from "./WorkRow.js";

/**
 * The chunk's execute stage: what happens to the calls a contact's rows were
 * folded into. A real run sends them (`sendCalls`); a dry run says what each
 * would do (`dryCalls`). A new run mode is an executor, or a step inside one.
 */
export interface Executor {
  /**
   * Before settling: reads a row's start or contact may need (`--lookup-start-time`). An executor that never
   * reads has none: its chunk's groups are settled in one turn, without a promise per contact.
   */
  readonly lookUp?: (rows: readonly WorkRow[]) => Promise<LookedUp>;
  /**
   * A contact's calls, in file order, one at a time: returns once each has an outcome or the chunk halted
   * (nothing, when nothing is sent and there is nothing to wait for).
   */
  execute(calls: ReadonlyArray<PlannedCall<Ready>>): Promise<void> | undefined;
  /** Once every group of the chunk is through. */
  finish(): Promise<void>;
}
