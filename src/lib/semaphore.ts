/**
 * Places for at most `size` holders at once, given in the order they were asked for. `take` answers the
 * function that gives the place back (once; a second call does nothing). Unlike p-limit, a place is held across
 * steps of a caller's own choosing: taken before a call's turn and given back with its answer.
 */
export class Semaphore {
  private free: number;
  private readonly waiting: Array<() => void> = [];
  private head = 0;

  constructor(private readonly size: number) {
    this.free = size;
  }

  /** Every place free and nobody waiting: a queue of these may be forgotten. */
  get idle(): boolean {
    return this.free === this.size && this.head === this.waiting.length;
  }

  take(): Promise<() => void> {
    if (this.free > 0) {
      this.free--;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve) => this.waiting.push(() => resolve(this.releaser())));
  }

  /** Callers waiting for a place. */
  get waitingCount(): number {
    return this.waiting.length - this.head;
  }

  private releaser(): () => void {
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const next = this.waiting[this.head];
      if (next === undefined) {
        this.waiting.length = 0;
        this.head = 0;
        this.free++;
        return;
      }
      // The place goes straight to the longest waiter; the queue is compacted now and then, not shifted each time.
      this.waiting[this.head] = undefined as unknown as () => void;
      this.head++;
      if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        this.waiting.splice(0, this.head);
        this.head = 0;
      }
      next();
    };
  }
}
