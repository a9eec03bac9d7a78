import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/log/createLogger.js";
import { enqueueFile } from "../../src/queue/enqueueFile.js";
import { BackfillWorker } from "../../src/worker/BackfillWorker.js";
import { csv, harness, type Harness } from "./helpers.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("one rate for every worker", () => {
  it("two workers, each told 4x the quota, share it through Redis and lose nothing", async () => {
    h = await harness({ rate: 60, burst: 6 });
    const lines = [["contactId", "v"]];
    for (let i = 0; i < 360; i++) lines.push([`s${i}`, String(i)]);
    const file = await h.file("shared.csv", csv(lines));
    const a = await h.ctx({ "instance-id": "i" });
    const b = await h.ctx({ "instance-id": "i" });
    const res = await enqueueFile(a.store, a.queues, {
      path: file,
      format: "csv",
      runId: "shared",
      instanceId: "i",
      minContactDate: a.config.minContactDate,
      chunkSize: 20,
      breaker: { window: 1000, ratio: 0.5, auth: 5, consecutive: 25, ignore: [] },
      maxContactAge: { unit: "months", n: 24 },
      target: a.config.target,
    });
    expect(res.rows).toBe(360);
    const done = { a: 0, b: 0 };
    const make = (ctx: typeof a, name: "a" | "b") => {
      const w = new BackfillWorker({
        redis: ctx.redis,
        keys: ctx.keys,
        log: createLogger("silent"),
        rate: 240,
        concurrency: 16,
        chunkSize: 20,
        policy: { maxAttempts: 5, maxTries: 40 },
        requestTimeoutMs: 5000,
        endpoint: h?.endpoint,
        target: ctx.config.target,
      });
      w.events.on("outcome", () => done[name]++);
      return w.start();
    };
    const wa = make(a, "a");
    const wb = make(b, "b");
    // The lowest rate each governor reported after the service's first throttle (not the slow start's;
    // its last one depends on when the run ends).
    const lowest = { a: 240, b: 240 };
    let seenAt = 0;
    await new Promise<void>((resolve, reject) => {
      const t = setInterval(() => {
        if (seenAt === 0 && h?.sim.stats().throttled) seenAt = Date.now();
        // Half a second after it: both have asked the shared governor for slots since.
        if (seenAt > 0 && Date.now() - seenAt > 500) {
          lowest.a = Math.min(lowest.a, wa.governorFor("UpdateContactAttributes").rate);
          lowest.b = Math.min(lowest.b, wb.governorFor("UpdateContactAttributes").rate);
        }
        a.store.progress("shared").then((p) => {
          if (p?.complete) {
            clearInterval(t);
            resolve();
          }
        }, reject);
      }, 100);
    });
    await Promise.all([wa.close(1000), wb.close(1000)]);
    const p = await a.store.progress("shared");
    expect(p?.counts.updated).toBe(360);
    expect(done.a).toBeGreaterThan(0);
    expect(done.b).toBeGreaterThan(0);
    const st = h.sim.stats();
    // Uncoordinated, two clients told 240/s against 60/s would see most calls throttled.
    expect(st.throttled / st.requests).toBeLessThan(0.15);
    // Both governors went down towards the quota: a throttle seen by either slowed both.
    expect(lowest.a).toBeLessThan(150);
    expect(lowest.b).toBeLessThan(150);
  });
});
