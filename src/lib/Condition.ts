/**
 * A condition said once when it starts and once when it ends, with how long it lasted: a person
 * reads these lines, and a condition met again and again (every chunk, every reconnect attempt,
 * every batch a producer waits for) must not flood them. `settleMs`: the end is said only once the
 * condition has stayed cleared that long (a window that fills again at once is still one wait), or
 * at `over()`.
 */
/** What is said of a condition: its start, and its end with how long it lasted. */
export interface ConditionVoice<K extends string> {
  readonly start: (kind: K, detail: string) => void;
  readonly end: (kind: K, detail: string, seconds: number) => void;
}

export class Condition<K extends string = string> {
  private current: { kind: K; detail: string; since: number; clearedAt: number | undefined } | undefined;

  constructor(
    private readonly say: ConditionVoice<K>,
    private readonly settleMs = 0,
    private readonly now: () => number = Date.now,
  ) {}

  get holding(): K | undefined {
    return this.current?.kind;
  }

  /** The condition holds now: said if it is new (or of another kind than the one holding, whose end is said first). */
  holds(kind: K, detail = ""): void {
    const c = this.current;
    if (c && c.kind === kind) {
      c.clearedAt = undefined;
      return;
    }
    if (c) this.over();
    this.current = { kind, detail, since: this.now(), clearedAt: undefined };
    this.say.start(kind, detail);
  }

  /** The condition is gone, for now: its end is said once it stayed gone `settleMs` (checked at each call). */
  cleared(): void {
    const c = this.current;
    if (!c) return;
    const now = this.now();
    c.clearedAt ??= now;
    if (now - c.clearedAt >= this.settleMs) this.over();
  }

  /** Says the end now, if a condition holds: it lasted until it was first cleared. */
  over(): void {
    const c = this.current;
    if (!c) return;
    this.current = undefined;
    const end = c.clearedAt ?? this.now();
    this.say.end(c.kind, c.detail, Math.max(1, Math.round((end - c.since) / 1000)));
  }
}
