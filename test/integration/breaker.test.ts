import { afterEach, describe, expect, it } from "vitest";
import { runFile } from "../../src/cli/commands/runFile.js";
import { cli, csv, harness, type Harness } from "./helpers.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("circuit breaker", () => {
  it("stops a run whose rows fail permanently, keeps the rest queued, and resumes", async () => {
    h = await harness({ autoCreate: false }); // every contact unknown: as with a wrong instance id
    const lines = [["contactId", "v"]];
    for (let i = 0; i < 200; i++) lines.push([`c${i}`, String(i)]);
    const file = await h.file("wrong-instance.csv", csv(lines));
    const ctx = await h.ctx({ "instance-id": "wrong", "run-id": "brk", "breaker-window": 20, "breaker-ratio": 0.5, concurrency: 2, "chunk-size": 10, rate: 500 });
    const res = await runFile(ctx, file);
    expect(res.exitCode).toBe(1);
    expect(res.stopReason).toMatch(/circuit breaker: 20 of the last 20 rows sent failed \(\d+%, more than 50%\), most with ResourceNotFoundException, e\.g\. line \d+; .*connect-backfill resume brk/);
    const p = await ctx.store.progress("brk");
    expect(p?.counts.failed).toBeGreaterThanOrEqual(20);
    // The window must fill (20 rows sent) before it judges; rows in flight then finish: stopped early, not after 200.
    expect(p?.counts.failed).toBeLessThan(40);
    expect(p?.pending).toBe(200 - (p?.done ?? 0));
    const sentBefore = h.sim.stats().requests;

    // The operator fixes the cause (here: the contacts now exist), resumes, and a worker finishes the run.
    for (let i = 0; i < 200; i++) h.sim.addContact({ instanceId: "wrong", contactId: `c${i}`, initiationTimestamp: new Date() });
    const resume = await cli(["resume", "brk", "--prefix", h.prefix]);
    expect(resume.code).toBe(0);
    const work = await cli(["work", "--exit-when-idle", "--rate", "500", "--prefix", h.prefix, "--endpoint", h.endpoint]);
    expect(work.code).toBe(0);
    const after = await ctx.store.progress("brk");
    expect(after?.complete).toBe(true);
    expect(after?.done).toBe(200);
    expect(after?.counts.failed).toBe(p?.counts.failed); // the early failures keep their one outcome
    expect(after?.counts.updated).toBe(200 - (p?.counts.failed ?? 0));
    // Rows with an outcome were not sent again.
    expect(h.sim.stats().requests - sentBefore).toBe(200 - (p?.counts.failed ?? 0));
  });

  it("does not trip on a healthy run with a few permanent failures", async () => {
    h = await harness();
    const lines = [["contactId", "v"]];
    for (let i = 0; i < 60; i++) lines.push([i % 10 === 0 ? `missing-${i}` : `c${i}`, "x"]);
    const file = await h.file("mostly-ok.csv", csv(lines));
    const ctx = await h.ctx({ "instance-id": "i", "breaker-window": 20, rate: 500 });
    const res = await runFile(ctx, file);
    expect(res.stopReason).toBeUndefined();
    expect(res.exitCode).toBe(3);
    expect(res.report.summaryData.counts).toMatchObject({ updated: 54, failed: 6 });
  });
});
