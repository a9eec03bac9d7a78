import { expectedRows, type RunProgress } from "../app/runProgress.js";

function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return "-";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m` : m > 0 ? `${m}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

/**
 * One status line, redrawn in place on a terminal: done/total, rate, ETA,
 * throttles. Off when the stream is not a TTY (cron, pipes): there the JSON logs
 * are the record, and carriage returns would only garble them.
 */
export class ProgressLine {
  private readonly enabled: boolean;
  private last = 0;
  private drawn = false;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {
    this.enabled = Boolean(out.isTTY);
  }

  update(p: RunProgress): void {
    if (!this.enabled || Date.now() - this.last < 250) return;
    this.last = Date.now();
    // While the file is read, the rows to come are estimated from the bytes read, not the window queued so far.
    const total = expectedRows(p);
    const sent = p.done - p.counts.invalid;
    const elapsed = p.startedAt ? (Date.now() - p.startedAt) / 1000 : 0;
    const rate = elapsed > 0 ? sent / elapsed : 0;
    const eta = total !== undefined && rate > 0 ? (total - p.done) / rate : Infinity;
    const pct = total ? ` (${((p.done / total) * 100).toFixed(1)}%)` : "";
    const failed = p.counts.failed + p.counts.invalid;
    const text = `${p.done}/${total === undefined ? `${p.read}+` : p.producerDone ? total : `~${total}`}${pct}  ${rate.toFixed(1)} rows/s  ETA ${clock(eta)}  throttled ${p.throttled}  failed ${failed}`;
    this.out.write(`\r\x1b[2K${text}`);
    this.drawn = true;
  }

  /** Clears the line so the summary starts on a clean one. */
  finish(): void {
    if (this.drawn) this.out.write("\r\x1b[2K");
    this.drawn = false;
  }
}
