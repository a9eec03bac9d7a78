import { createServer } from "node:http";
import { exitCodeOf } from "../../src/cli/exitCodes.js";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { runFile } from "../../src/app/runFile.js";
import { cli, csv, harness, readReport, type Harness } from "./helpers.js";

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
    expect(exitCodeOf(res)).toBe(1);
    expect(res.stopReason).toMatch(
      /circuit breaker: 20 of the last 20 rows sent failed \(100\.0%, more than 50%\), most with ResourceNotFoundException, e\.g\. line \d+; .*connect-backfill resume brk/,
    );
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
    expect(exitCodeOf(res)).toBe(3);
    expect(res.report.summaryData.counts).toMatchObject({ updated: 54, failed: 6 });
  });
});

describe("circuit breaker over the whole run", () => {
  it("1,100 good rows, then 900 consecutive ResourceNotFound: stops, names the share, the top code with a line, and resume", async () => {
    h = await harness({ autoCreate: false });
    const file = await goodThenGone(h, 1100, 900);
    const ctx = await h.ctx({ "instance-id": "i", "run-id": "late", rate: 3000, concurrency: 32 });
    const res = await runFile(ctx, file);
    expect(exitCodeOf(res)).toBe(1);
    expect(res.stopReason).toMatch(
      /^circuit breaker: 5\d\d of the last 1000 rows sent failed \(5\d\.\d%, more than 50%\), most with ResourceNotFoundException, e\.g\. line \d+; rows not yet sent stay queued: fix the cause, then run "connect-backfill resume late"$/,
    );
    // The example is a line that failed with that code (lines 1102-2001): the first failure recorded, which with
    // 32 calls in flight over two chunks need not be the file's first failing line.
    const example = Number(/e\.g\. line (\d+)/.exec(res.stopReason ?? "")?.[1]);
    expect(example).toBeGreaterThanOrEqual(1102);
    expect(example).toBeLessThanOrEqual(2001);
    const p = await ctx.store.progress("late");
    expect(p?.counts.updated).toBe(1100);
    // Stopped soon after half the window failed: the rest was never sent and stays queued.
    expect(p?.counts.failed).toBeLessThan(700);
    expect(p?.pending).toBe(2000 - (p?.done ?? 0));
    expect(h.sim.stats().requests).toBe(p?.done);
  });

  it("--breaker-ignore leaves expected codes out: the same run goes to the end", async () => {
    h = await harness({ autoCreate: false });
    const file = await goodThenGone(h, 110, 90);
    const stopped = await runFile(await h.ctx({ "instance-id": "i", "run-id": "no-ignore", rate: 3000, "breaker-window": 100 }), file);
    expect(stopped.stopReason).toMatch(/of the last 100 rows sent failed/);
    const ignored = await runFile(
      await h.ctx({ "instance-id": "i", "run-id": "ignore", rate: 3000, "breaker-window": 100, "breaker-ignore": "ResourceNotFoundException" }),
      file,
    );
    expect(ignored.stopReason).toBeUndefined();
    expect(exitCodeOf(ignored)).toBe(3);
    expect(ignored.report.summaryData.counts).toMatchObject({ updated: 110, failed: 90 });
  });

  it("an endpoint that refuses connections: stops after 25 rows in a row got no answer, the rest stay queued", async () => {
    h = await harness();
    const closed = await closedPort();
    const lines = [["contactId", "v"]];
    for (let i = 0; i < 500; i++) lines.push([`c${i}`, "x"]);
    const file = await h.file("closed-port.csv", csv(lines));
    const ctx = await h.ctx({ "instance-id": "i", "run-id": "refused", endpoint: `http://127.0.0.1:${closed}`, rate: 1000, concurrency: 8, "max-attempts": 2 });
    const res = await runFile(ctx, file);
    expect(exitCodeOf(res)).toBe(1);
    expect(res.stopReason).toMatch(
      /^circuit breaker: the last 25 rows sent all failed without an answer from the service \(ConnectionRefused, e\.g\. line \d+\); .*"connect-backfill resume refused"$/,
    );
    const p = await ctx.store.progress("refused");
    expect(p?.counts.failed).toBeLessThan(25 + 16); // the 25, and rows already in flight
    expect(p?.pending).toBeGreaterThan(450);
    // The failed rows are retryable once the endpoint is back.
    const failed = (await readReport(res.report.outcomes)).filter((o) => o.status === "failed");
    expect(failed.every((o) => o.errorCode === "ConnectionRefused")).toBe(true);
  });

  it("revoked credentials: stops after a handful of rows, not a window", async () => {
    h = await harness({ rejectedAccessKeys: ["AKIDTESTONLY"] });
    const lines = [["contactId", "v"]];
    for (let i = 0; i < 300; i++) lines.push([`c${i}`, "x"]);
    const file = await h.file("revoked.csv", csv(lines));
    const ctx = await h.ctx({ "instance-id": "i", "run-id": "revoked", rate: 1000, concurrency: 4 });
    const res = await runFile(ctx, file);
    expect(exitCodeOf(res)).toBe(1);
    expect(res.stopReason).toMatch(
      /^circuit breaker: 5 rows failed with credential errors \(UnrecognizedClientException, e\.g\. line \d+\); the credentials were refused; .*resume revoked"$/,
    );
    // The 5 that stop it, the calls in flight then (4) and at most two more rounds before the workers see the stop
    // on a loaded machine (9-12 measured idle, 14 once under load): a handful, not a window of 1,000.
    expect(h.sim.stats().requests).toBeLessThan(5 + 3 * 4 + 1);
    const p = await ctx.store.progress("revoked");
    expect(p?.pending).toBeGreaterThan(280);
  });
});

/** A file of `good` rows of contacts the simulator knows, then `gone` rows of contacts it does not (404). */
async function goodThenGone(hh: Harness, good: number, gone: number): Promise<string> {
  const lines = [["contactId", "v"]];
  for (let i = 0; i < good; i++) {
    hh.sim.addContact({ instanceId: "i", contactId: `good${i}`, initiationTimestamp: new Date() });
    lines.push([`good${i}`, "x"]);
  }
  for (let i = 0; i < gone; i++) lines.push([`gone${i}`, "x"]);
  return hh.file(`good${good}-gone${gone}.csv`, csv(lines));
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}
