import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cli, harness, killBackground, REDIS_URL, readReport, ROOT, rows, startCli, until, type Harness } from "./helpers.js";

// Issue 16, part 1: Redis holds a window of the file, not the file. The producer runs ahead of the
// workers by --queue-window rows and waits for them; outcomes wait for a report writer; nothing is lost.

let h: Harness | undefined;
afterEach(async () => {
  killBackground();
  await h?.close();
  h = undefined;
});

/** An `enqueue` in the background, with what it has said on stderr so far. */
function startEnqueue(args: readonly string[]): { child: ChildProcess; said: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [join(ROOT, "bin/connect-backfill.js"), ...args], { cwd: ROOT, env: { ...process.env, REDIS_URL } });
  let said = "";
  child.stderr.on("data", (d: Buffer) => (said += d.toString()));
  return { child, said: () => said, exited: new Promise((r) => child.on("exit", (code) => r(code))) };
}

/** Chunks of the run in Redis now (queued, running, waiting for a predecessor). */
async function chunksInRedis(x: Harness, runId: string): Promise<number> {
  const ctx = await x.ctx();
  const counts = await ctx.queues.named(`chunks.${runId}`).getJobCounts("waiting", "active", "delayed", "prioritized");
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

describe("--queue-window", () => {
  it("a cancel while the producer waits for room settles every row it read: the run ends, nothing stays pending", async () => {
    h = await harness({ latencyMs: 1 });
    const file = await h.file("c.csv", rows(1000, "c"));
    const args = [
      "enqueue",
      file,
      "--instance-id",
      "i",
      "--prefix",
      h.prefix,
      "--endpoint",
      h.endpoint,
      "--queue-window",
      "100",
      "--chunk-size",
      "10",
      "--run-id",
      "cw",
    ];
    const p = startEnqueue(args);
    const exited = p.exited;
    await until(() => /waiting: \d+ rows are queued ahead of the workers/.test(p.said()), 20_000);
    const c = await cli(["cancel", "cw", "--prefix", h.prefix, "--reports-dir", join(h.dir, "reports")]);
    expect(c.code, c.stderr).not.toBe(2);
    expect(await exited).toBe(0);
    const ctx = await h.ctx();
    await until(async () => (await ctx.store.progress("cw"))?.complete === true, 10_000);
    const progress = await ctx.store.progress("cw");
    expect(progress?.counts.cancelled).toBe(progress?.read);
    expect(h.sim.acceptedCount()).toBe(0);
  });

  it("run: the queue never holds more than the window, every row ends with its own value", async () => {
    h = await harness({ latencyMs: 2 });
    const file = await h.file("big.csv", rows(6000, "w"));
    let most = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        most = Math.max(most, await chunksInRedis(h as Harness, "win"));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const args = ["run", file, "--instance-id", "i", "--prefix", h.prefix, "--endpoint", h.endpoint, "--reports-dir", join(h.dir, "reports")];
    const r = await cli([...args, "--queue-window", "1000", "--chunk-size", "100", "--rate", "2000", "--concurrency", "32", "--run-id", "win", "--quiet"]);
    sampling = false;
    await sampler;
    expect(r.code, r.stderr).toBe(0);
    // 1,000 rows of window plus the batch that found room (two chunks of 100).
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(12);
    expect(h.sim.acceptedCount()).toBe(6000);
    for (const i of [0, 2999, 5999]) expect(h.sim.attributesOf("i", `w${i}`)?.v).toBe(String(i));
    const out = await readReport(join(h.dir, "reports", "win", "outcomes.csv"));
    expect(out).toHaveLength(6000);
  });

  it("enqueue waits for workers and for a report writer, says why, and a producer killed midway goes on with its run id", async () => {
    h = await harness({ latencyMs: 1 });
    const file = await h.file("file.csv", rows(4000, "e"));
    const enqueueArgs = [
      "enqueue",
      file,
      "--instance-id",
      "i",
      "--prefix",
      h.prefix,
      "--endpoint",
      h.endpoint,
      "--queue-window",
      "400",
      "--chunk-size",
      "100",
      "--run-id",
      "ew",
    ];
    // No worker yet: the producer queues its window, then waits; killed there, nothing it queued is lost.
    const first = startEnqueue(enqueueArgs);
    await until(() => /waiting: \d+ rows are queued ahead of the workers \(--queue-window 400\)/.test(first.said()), 20_000);
    expect(await chunksInRedis(h, "ew")).toBeLessThanOrEqual(6);
    first.child.kill("SIGKILL");
    await first.exited;

    // Workers without a report writer: outcomes pile up to twice the window, then the producer waits for one.
    startCli(["work", "--prefix", h.prefix, "--endpoint", h.endpoint, "--rate", "2000", "--concurrency", "16"]);
    const again = startEnqueue(enqueueArgs);
    const exited = again.exited;
    await until(() => /waiting: \d+ outcomes wait in Redis for a report writer: keep "connect-backfill report ew --follow" running/.test(again.said()), 30_000);
    const ctx = await h.ctx();
    expect(await ctx.store.outcomesInRedis("ew")).toBeLessThan(1000);
    // The follower moves them out: the producer goes on to the end of the file, and the run finishes.
    const follow = await cli(["report", "ew", "--follow", "--prefix", h.prefix, "--reports-dir", join(h.dir, "reports"), "--quiet"]);
    expect(follow.code, follow.stderr).toBe(0);
    expect(await exited).toBe(0);
    expect(h.sim.acceptedCount()).toBe(4000);
    const out = await readReport(join(h.dir, "reports", "ew", "outcomes.csv"));
    expect(out).toHaveLength(4000);
    expect(out.every((o) => o.status === "updated")).toBe(true);
    for (const i of [0, 1999, 3999]) expect(h.sim.attributesOf("i", `e${i}`)?.v).toBe(String(i));
  });
});
