import { afterEach, describe, expect, it } from "vitest";
import { cli, harness, killBackground, rows, startCli, until, type Harness } from "./helpers.js";
import { Redis } from "ioredis";
import { keysFor } from "../../src/store/keys.js";
import { RunStore } from "../../src/store/RunStore.js";
import { hasRedisServer } from "./privateRedis.js";
import { appliedContacts, common, privateRedis, reportFlags, stopPrivateRedis, summaryOf, workThroughKills } from "./underKills.js";

// Issue 22, defects 4 and 6: the canary's N and the summary's call count hold when a worker is SIGKILLed
// while its calls are in flight (the simulator applies them all the same).

let h: Harness | undefined;
afterEach(async () => {
  killBackground();
  stopPrivateRedis();
  await h?.close();
  h = undefined;
});

describe("--canary N across a SIGKILLed worker", () => {
  it("the run pauses only once N distinct rows were applied (the dead holder's places come back), and nothing is sent after paused", async () => {
    h = await harness({ latencyMs: 40 });
    const n = 120;
    const concurrency = 8;
    const file = await h.file("canary.csv", rows(400, "c"));
    const q = await cli(["enqueue", file, ...common(h), "--canary", String(n), "--chunk-size", "20", "--run-id", "cy"]);
    expect(q.code, q.stderr).toBe(0);
    // A low rate: calls that took their places wait for the governor, so a kill loses places not yet sent.
    const work = [
      "work",
      "--run-id",
      "cy",
      "--prefix",
      h.prefix,
      "--endpoint",
      h.endpoint,
      "--rate",
      "60",
      "--concurrency",
      String(concurrency),
      "--lock-duration",
      "1500",
    ];
    const a = startCli(work);
    startCli(work);
    const sim = h.sim;
    await until(() => sim.updates().length >= 50);
    a.child.kill("SIGKILL");
    await a.exited;
    const ctx = await h.ctx();
    await until(async () => (await ctx.store.state("cy")).state === "paused", 30_000);
    const atPause = sim.stats().requests;
    const appliedAtPause = appliedContacts(h).size;
    // Nothing reaches the service once the run says it is paused (watched for 1.5 s).
    await new Promise((r) => setTimeout(r, 1500));
    expect.soft(sim.stats().requests - atPause, "calls that reached the service after status said paused").toBe(0);
    const applied = appliedContacts(h).size;
    expect.soft(applied, `${appliedAtPause} distinct rows applied when the run said paused, ${applied} 1.5 s later (canary ${n})`).toBeGreaterThanOrEqual(n);
    expect.soft(appliedAtPause).toBeGreaterThanOrEqual(n);
    expect(applied).toBeLessThanOrEqual(n + concurrency);
  });
});

describe.runIf(hasRedisServer)("--canary N across a Redis restart", () => {
  it("the run pauses once N distinct rows were applied, and nothing is sent after it says paused", async () => {
    h = await harness({ latencyMs: 40 });
    const r = await privateRedis(h);
    const env = { REDIS_URL: r.url };
    const n = 120;
    const concurrency = 8;
    const file = await h.file("canary.csv", rows(400, "c"));
    const q = await cli(["enqueue", file, ...common(h), "--canary", String(n), "--chunk-size", "20", "--run-id", "cr"], env);
    expect(q.code, q.stderr).toBe(0);
    const work = [
      "work",
      "--run-id",
      "cr",
      "--prefix",
      h.prefix,
      "--endpoint",
      h.endpoint,
      "--rate",
      "60",
      "--concurrency",
      String(concurrency),
      "--lock-duration",
      "1500",
    ];
    startCli(work, env);
    startCli(work, env);
    const sim = h.sim;
    await until(() => sim.updates().length >= 40);
    await r.restart();
    const redis = new Redis(r.url, { maxRetriesPerRequest: null });
    // Refused connections while Redis restarts are expected here.
    redis.on("error", () => undefined);
    try {
      const store = new RunStore(redis, keysFor(h.prefix));
      await until(async () => (await store.state("cr")).state === "paused", 30_000);
      const atPause = sim.stats().requests;
      const appliedAtPause = appliedContacts(h).size;
      await new Promise((res) => setTimeout(res, 1500));
      expect.soft(sim.stats().requests - atPause, "calls that reached the service after status said paused").toBe(0);
      expect.soft(appliedAtPause, `distinct rows applied when the run said paused (canary ${n})`).toBeGreaterThanOrEqual(n);
      // Redis may have lost its last second: at most that many more, never unbounded.
      expect.soft(appliedContacts(h).size).toBeLessThanOrEqual(n + 2 * concurrency);
    } finally {
      redis.disconnect();
    }
  });
});

describe("summary.json's call count with workers SIGKILLed mid-run", () => {
  it("requests counts the calls the simulator received, those of killed workers included", async () => {
    h = await harness({ latencyMs: 30 });
    const total = 200;
    const file = await h.file("count.csv", rows(total, "c"));
    const q = await cli(["enqueue", file, ...common(h), "--chunk-size", "20", "--run-id", "cnt"]);
    expect(q.code, q.stderr).toBe(0);
    await workThroughKills(h, "cnt", ["--rate", "150", "--concurrency", "12"], { kills: 3, every: 50 });
    expect((await cli(["report", "cnt", ...reportFlags(h), "--quiet"])).code).toBe(0);
    const summary = await summaryOf(h, "cnt");
    const received = h.sim.stats().requests;
    // The kills caught calls in flight: some contacts got the same call twice.
    expect(received).toBeGreaterThan(total);
    expect(summary.rows).toBe(total);
    // A call is counted as its request goes to the HTTP handler; a kill can land between that and the socket
    // write: at most one call per kill may be counted and never arrive. Before, every call in flight at a kill
    // went uncounted (200 counted, 216 received).
    const kills = 3;
    const off = summary.requests - received;
    expect(off, `summary.json counts ${summary.requests} calls, the simulator received ${received}`).toBeGreaterThanOrEqual(0);
    expect(off, `summary.json counts ${summary.requests} calls, the simulator received ${received}`).toBeLessThanOrEqual(kills);
  });
});
