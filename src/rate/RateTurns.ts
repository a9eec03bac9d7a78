/**
 * The rates a governor reported between two looks, kept only where they turned (a rise that became a fall,
 * or the reverse) and the latest: a log that looks once a second must still see a rise and the throttle that
 * undid it within that second. Bounded: a run long away keeps only its latest turns.
 */
export class RateTurns {
  private points: number[] = [];

  constructor(private readonly max = 32) {}

  /** A rate the governor reported. */
  note(rate: number): void {
    const p = this.points;
    const n = p.length;
    const last = p[n - 1];
    if (last === rate) return;
    const prev = p[n - 2];
    // Still going the same way: the latest replaces the point it passed.
    if (last !== undefined && prev !== undefined && Math.sign(last - prev) === Math.sign(rate - last)) p[n - 1] = rate;
    else p.push(rate);
    if (p.length > this.max) p.splice(0, p.length - this.max);
  }

  /** The turns since the last look and the latest rate, oldest first; the latest stays as the next look's start. */
  take(): number[] {
    const out = this.points;
    const last = out[out.length - 1];
    this.points = last === undefined ? [] : [last];
    return out;
  }
}
