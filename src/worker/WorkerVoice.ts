import type { ApiName } from "../connect/readContact.js";
import { Condition } from "../lib/Condition.js";
import type { Logger } from "../log/createLogger.js";
import { type RedisTrouble, runLostMessage, troubleMessage } from "../queue/redisTrouble.js";
import type { RateGovernor } from "../rate/RateGovernor.js";
import type { RunStore } from "../store/RunStore.js";

/**
 * What a worker says of its runs and of Redis, each thing once (or once a minute):
 * a person reads these lines, and a worker meets the same condition on every chunk.
 */
export class WorkerVoice {
  private readonly stopSaid = new Set<string>();
  /** The governor rates last logged, by operation. */
  private readonly ratesSaid = new Map<string, number>();
  /** Redis refusing chunks: said when it starts and when it is over, with how long it lasted. */
  private readonly troubleNow = new Condition<RedisTrouble>({
    start: (kind) => this.log.error(`${troubleMessage(kind)}; chunks are kept and taken again once it does, without using an attempt`),
    end: (_kind, _detail, seconds) => this.log.info(`Redis takes writes again after ${seconds} s; chunks go on`),
  });
  /** Runs whose hash vanished while this worker had them: said once, then left. */
  private readonly lost = new Set<string>();

  constructor(
    private readonly log: Logger,
    private readonly store: Pick<RunStore, "state">,
  ) {}

  /** The circuit breaker's decision, said once per run by each worker that meets it (with the reason and what to run). */
  async stopped(runId: string): Promise<void> {
    const { state, stopReason } = await this.store.state(runId).catch(() => ({ state: "", stopReason: undefined }));
    // Once per stop: a canary's pause, then (after resume) a breaker's stop, are each said.
    const said = `${runId}\u0000${state}\u0000${stopReason ?? ""}`;
    if (this.stopSaid.has(said)) return;
    this.stopSaid.add(said);
    // A canary's pause is what the operator asked for; a stop is an alarm.
    if (state === "paused") this.log.warn({ runId }, `run ${runId} paused: ${stopReason ?? "paused"}`);
    else this.log.error({ runId }, `run ${runId} stopped: ${stopReason ?? "stopped"}`);
  }

  /**
   * A line when a governor's rate moved by more than 20% since the last one said: throttles and recoveries, not
   * every step. Looked at once a second, through the rates' turns since the last look: a slow start's rise and the
   * throttle that cuts it back within one second are both said, not seen as no move at all.
   */
  rates(governors: ReadonlyMap<ApiName, Pick<RateGovernor, "rate" | "turns">>): void {
    for (const [op, g] of governors) {
      const seen = g.turns.take();
      for (const now of seen.length > 0 ? seen : [g.rate]) {
        const before = this.ratesSaid.get(op);
        if (before !== undefined && Math.abs(now - before) <= before * 0.2) continue;
        this.ratesSaid.set(op, now);
        if (before !== undefined)
          this.log.info(
            { operation: op, from: Math.round(before * 10) / 10, to: Math.round(now * 10) / 10 },
            `governor rate ${before.toFixed(1)} → ${now.toFixed(1)} req/s (${op})`,
          );
      }
    }
  }

  /** Said once when it starts (and again only for another kind): a full Redis refuses every write, and the log must not fill the disk too. */
  trouble(kind: RedisTrouble): void {
    this.troubleNow.holds(kind);
  }

  /** Redis answers again after refusing chunks: said once, with how long the trouble lasted. */
  troubleOver(): void {
    this.troubleNow.over();
  }

  /** A run's hash vanished while its chunks were queued: Redis lost its data (or someone deleted the keys). */
  runLost(runId: string, chunk: string): void {
    if (this.lost.has(runId)) return;
    this.lost.add(runId);
    this.log.error({ runId, chunk }, runLostMessage(runId));
  }
}
