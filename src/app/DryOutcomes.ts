import type { RecordedOutcome } from "../domain/breaker.js";
import { encodeGroup } from "../domain/groupCodec.js";
import { encodeOutcome } from "../domain/outcomeCodec.js";
import { groupAlike } from "../store/outcomeGroups.js";
import type { OutcomeSpool } from "../report/OutcomeSpool.js";
import type { OutcomeMarks } from "../store/outcomeMarks.js";

/** One script call's outcomes, and the promise every `addAll` of them is answered with. */
interface Batch {
  readonly items: RecordedOutcome[];
  readonly done: Promise<string>;
}

/**
 * Where a dry run's chunks put their outcomes (the Recorder's writer): the done bits and counters go to Redis
 * as the outcome log's script moves them (status, the workers' own `finished`, the summary read them there),
 * the outcomes straight to the run's spool. A real run's outcomes pass through Redis's stream because another
 * process may write the reports; a dry run's reports are written by this process, and nothing else reads
 * its stream: 200,000 XADDs, the XRANGEs that read them back and their arguments were most of its time.
 *
 * The outcomes of one event-loop turn go in one script call (a chunk settles and plans all its rows in one
 * turn): no timer, so a chunk waits for no batching delay. All rows of one `addAll` go in the same call.
 */
export class DryOutcomes {
  private batch: Batch | undefined;
  private runId = "";

  constructor(
    private readonly marks: OutcomeMarks,
    private readonly spool: OutcomeSpool,
  ) {}

  addAll(runId: string, items: readonly RecordedOutcome[]): Promise<string> {
    if (this.runId !== "" && runId !== this.runId) return Promise.reject(new Error(`a dry run's outcomes are its own: ${runId} is not ${this.runId}`));
    this.runId = runId;
    if (!this.batch) {
      const gathered: RecordedOutcome[] = [];
      this.batch = {
        items: gathered,
        done: new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
          this.batch = undefined;
          return this.write(gathered);
        }),
      };
    }
    for (const item of items) this.batch.items.push(item);
    return this.batch.done;
  }

  private async write(items: readonly RecordedOutcome[]): Promise<string> {
    // As the outcome log keeps them: the first outcome of a line only (in this batch, then in Redis's done bits).
    const seen = new Set<number>();
    const rows: RecordedOutcome["outcome"][] = [];
    for (const { outcome, flag } of items) {
      // Nothing is sent in a dry run: a row that carries a send's flag would need the breaker, which is not here.
      if (flag !== 0) throw new Error("a dry run's outcome carries a send (breaker) flag");
      if (seen.has(outcome.line)) continue;
      seen.add(outcome.line);
      rows.push(outcome);
    }
    const { already, state } = await this.marks.mark(this.runId, rows);
    if (state === "gone") return state;
    // Alike rows (every would_update of a chunk) as one spool line, as the stream's groups are: a JSON text per
    // row written, then read back and parsed for the report, was ~0.2 s of a 200k-row dry run.
    const { singles, groups } = groupAlike(
      rows.filter((o) => !already.has(o.line)).map((outcome) => ({ outcome, flag: 0 })),
      { silent: true },
    );
    const encoded = singles.map(({ outcome }) => encodeOutcome(outcome));
    for (const g of groups) encoded.push(encodeGroup(g, g.lines.join(","), g.contactIds.join("\n")).text);
    this.spool.appendOwn(encoded);
    return state;
  }
}
