import type { Redis } from "ioredis";
import { type Keys, timelineField } from "./keys.js";

/**
 * Counts calls per run and second (successful, throttled) in memory and adds
 * them to Redis once a second: the report's chart of why a run was slow, at one
 * round trip per second per worker instead of one per call.
 */
export class TimelineRecorder {
  private counts = new Map<string, Map<number, { ok: number; thr: number }>>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {
    this.timer = setInterval(() => void this.flush().catch(() => undefined), 1000);
    this.timer.unref();
  }

  record(runId: string, throttled: boolean): void {
    let run = this.counts.get(runId);
    if (!run) this.counts.set(runId, (run = new Map()));
    const sec = Math.floor(Date.now() / 1000);
    let c = run.get(sec);
    if (!c) run.set(sec, (c = { ok: 0, thr: 0 }));
    if (throttled) c.thr++;
    else c.ok++;
  }

  async flush(): Promise<void> {
    if (this.counts.size === 0) return;
    const counts = this.counts;
    this.counts = new Map();
    const pipe = this.redis.pipeline();
    for (const [runId, secs] of counts) {
      const key = this.keys.timeline(runId);
      for (const [sec, c] of secs) {
        if (c.ok) pipe.hincrby(key, timelineField(sec, "ok"), c.ok);
        if (c.thr) pipe.hincrby(key, timelineField(sec, "thr"), c.thr);
      }
    }
    await pipe.exec();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}

/** Calls per second over the run: [unix second, successful, throttled], in time order. */
export async function readTimeline(redis: Redis, keys: Keys, runId: string): Promise<Array<[number, number, number]>> {
  const h = await redis.hgetall(keys.timeline(runId));
  const bySec = new Map<number, [number, number, number]>();
  for (const [field, value] of Object.entries(h)) {
    const [sec, kind] = field.split(":") as [string, string];
    const s = Number(sec);
    const entry = bySec.get(s) ?? [s, 0, 0];
    if (kind === "ok") entry[1] += Number(value);
    else entry[2] += Number(value);
    bySec.set(s, entry);
  }
  return [...bySec.values()].sort((a, b) => a[0] - b[0]);
}
