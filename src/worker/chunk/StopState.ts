import type { ChunkResult } from "./ChunkResult.js";

/**
 * Why a chunk stops sending, in one place. Each stage asks it before a call and
 * tells it what it learned (an outcome's answer, a hand-back, an error); the
 * chunk's result is read from it at the end.
 */
export class StopState {
  /** The circuit breaker stopped the run. */
  stopped = false;
  /** A canary's allowance is used up (or a nightly guard): the run is paused. */
  paused = false;
  cancelled = false;
  /** Rows go back to the queue without an outcome (shutdown, a stop during a read). */
  handback = false;
  /**
   * Some rows wait for a canary place (calls holding places are still out): their group stops, the others go
   * on (a row that holds a place must still be able to go), and the chunk goes back to the queue at its end.
   */
  deferred = false;
  /** The run is gone from Redis. */
  gone = false;
  /** The first error of a write or a Redis read: the chunk stops sending and it goes to the caller. */
  failure: { error: unknown } | undefined;

  constructor(
    private readonly signal: AbortSignal,
    private readonly stopNew?: AbortSignal,
  ) {}

  fail(error: unknown): void {
    this.failure ??= { error };
  }

  private readonly onHalt: Array<() => void> = [];

  /** The run's state as the outcome log answered it. */
  learn(state: string): void {
    if (state === "gone") this.gone = true;
    else if (state === "stopped") this.stopped = true;
    else if (state === "paused") this.paused = true;
    else if (state === "cancelled") this.cancelled = true;
    else return;
    for (const f of this.onHalt.splice(0)) f();
  }

  /** Told once the run is learned to be held, cancelled or gone: calls still waiting for their turn stop waiting. */
  whenHalted(f: () => void): void {
    this.onHalt.push(f);
  }

  /** Nothing may be sent any more: cancel, a lost run, a Redis error, shutdown. */
  mustStop(): boolean {
    return this.cancelled || this.gone || this.failure !== undefined || this.signal.aborted || this.stopNew?.aborted === true;
  }

  /** No new call starts: the above, or the run stopped or paused, or rows went back. */
  halted(): boolean {
    return this.stopped || this.paused || this.handback || this.mustStop();
  }

  held(): boolean {
    return this.stopped || this.paused;
  }

  defer(): void {
    this.deferred = true;
  }

  /** Rows left without an outcome go back to the queue, unless the run is held (then the chunk is parked). */
  handBack(): void {
    if (!this.held()) this.handback = true;
  }

  /** What the chunk comes to once every call has ended (`waiting`: rows still wait for a predecessor). */
  result(waiting: boolean): ChunkResult | "cancelled" {
    if (this.failure) throw this.failure.error;
    if (this.gone) return "unknown-run";
    if (this.cancelled) return "cancelled";
    if (this.held()) return "parked";
    if (this.handback || this.deferred || (waiting && this.halted())) return "handback";
    return waiting ? "waiting" : "done";
  }
}
