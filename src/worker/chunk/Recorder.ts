import type { RecordedOutcome } from "../../domain/breaker.js";
import type { Outcome } from "../../domain/Outcome.js";
import type { OutcomeWriter } from "../OutcomeWriter.js";
import type { StopState } from "./StopState.js";

export interface RecorderDeps {
  /** Where outcomes go: the run's outcome log (OutcomeWriter), or a dry run's own sink. */
  readonly writer: Pick<OutcomeWriter, "addAll">;
  readonly onOutcome?: ((runId: string, o: Outcome) => void) | undefined;
  /** Row-level debug logs: ids and codes only, never attribute values (customer data). */
  readonly log?: { debug: (obj: object, msg: string) => void } | undefined;
}

/**
 * The chunk's last stage: outcomes go to the run's outcome log, all rows of one
 * call in one script call (a crash never leaves half of them), outside the call
 * budget (the next call need not wait for Redis). What the log answers (the run
 * stopped, paused, cancelled, gone) goes to the stop state; a write that fails
 * stops the chunk, never as an unhandled rejection.
 */
export class Recorder {
  private readonly writes: Array<Promise<void>> = [];
  /** Not-sent outcomes of this turn, written together (one write per turn, not per contact). */
  private later: RecordedOutcome[] = [];

  constructor(
    private readonly runId: string,
    private readonly deps: RecorderDeps,
    private readonly stop: StopState,
    /** Outcomes this call of the chunk recorded, by status (for the chunk's log line and metrics). */
    private readonly tally: Record<string, number>,
  ) {}

  /** Resolves once the outcomes are durable (or their write failed: the stop state has it). */
  write(items: readonly RecordedOutcome[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    for (const { outcome: o } of items) {
      if (o.status !== "updated") {
        this.deps.log?.debug(
          { runId: this.runId, line: o.line, contactId: o.contactId, status: o.status, errorCode: o.errorCode, httpStatus: o.httpStatus },
          "row not updated",
        );
      }
    }
    const written = this.deps.writer.addAll(this.runId, items).then(
      (state) => {
        if (state === "gone") {
          this.stop.learn(state);
          return;
        }
        for (const { outcome } of items) {
          this.tally[outcome.status] = (this.tally[outcome.status] ?? 0) + 1;
          this.deps.onOutcome?.(this.runId, outcome);
        }
        this.stop.learn(state);
      },
      (err) => this.stop.fail(err),
    );
    this.writes.push(written);
    return written;
  }

  /**
   * Not-sent outcomes (they never touch the breaker): gathered for the rest of this turn and written together,
   * as nothing waits for them but the chunk's end (a chunk settled ahead or planned dry settles every contact
   * in one turn: one write, not one per contact). Their contacts' later rows wait for nothing here.
   */
  settle(outcomes: readonly Outcome[]): void {
    if (outcomes.length === 0) return;
    if (this.later.length === 0) setImmediate(() => this.writeLater());
    for (const outcome of outcomes) this.later.push({ outcome, flag: 0 });
  }

  private writeLater(): void {
    if (this.later.length === 0) return;
    const items = this.later;
    this.later = [];
    // Called from an immediate too: a throw there (a log call) would end the process, not fail the chunk.
    try {
      void this.write(items);
    } catch (err) {
      this.stop.fail(err);
    }
  }

  /** The chunk completes only once every outcome is durable. */
  async done(): Promise<void> {
    this.writeLater();
    await Promise.all(this.writes);
  }
}
