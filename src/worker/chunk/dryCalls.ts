import type { RunStore } from "../../store/RunStore.js";
import { wouldUpdate } from "../../domain/outcomes.js";
import type { Executor } from "./Executor.js";
import type { Recorder } from "./Recorder.js";

/**
 * A dry run's execute stage: nothing is sent and nothing is read. Each row says
 * what it would do (`would_update`, and with which other lines its call would
 * go), and the calls are counted for the plan.
 */
export function dryCalls(runId: string, store: RunStore, recorder: Recorder): Executor {
  let planned = 0;
  return {
    execute(calls) {
      for (const call of calls) {
        const lines = call.rows.map((r) => r.line);
        recorder.settle(
          call.rows.map((row) => {
            const others = lines.filter((l) => l !== row.line);
            const notes = [row.note ?? "", others.length > 0 ? `would be sent in one call with line ${others.join(", ")} of the same contact` : ""].filter(
              (n) => n !== "",
            );
            const ref = { line: row.line, contactId: row.contactId, instanceId: row.instanceId };
            return wouldUpdate(ref, notes.length > 0 ? `line ${row.line}: ${notes.join("; ")}` : "");
          }),
        );
      }
      planned += calls.length;
      return undefined;
    },
    async finish() {
      if (planned > 0) await store.addPlanned(runId, planned);
    },
  };
}
