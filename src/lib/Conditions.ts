import { Condition, type ConditionVoice } from "./Condition.js";

/**
 * Several causes of one wait, each said once when it starts and once when it ends. A producer's
 * window can be full of rows one batch and of outcomes the next (a report writer that lags behind
 * under load): one `Condition` for both would end and start again at every switch, and a person
 * would read the same "producer waits" line again and again. Each cause keeps its own settle time.
 */
export class Conditions<K extends string = string> {
  private readonly each = new Map<K, Condition<K>>();

  constructor(
    private readonly say: ConditionVoice<K>,
    private readonly settleMs = 0,
    private readonly now: () => number = Date.now,
  ) {}

  /** `kind` holds now; every other cause is cleared (its end said once it stayed cleared). */
  holds(kind: K, detail = ""): void {
    for (const [k, c] of this.each) if (k !== kind) c.cleared();
    let c = this.each.get(kind);
    if (!c) {
      c = new Condition<K>(this.say, this.settleMs, this.now);
      this.each.set(kind, c);
    }
    c.holds(kind, detail);
  }

  /** No cause holds, for now. */
  cleared(): void {
    for (const c of this.each.values()) c.cleared();
  }

  /** Says the end of every cause still holding, now. */
  over(): void {
    for (const c of this.each.values()) c.over();
  }
}
