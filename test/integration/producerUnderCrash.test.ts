import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { keysFor } from "../../src/store/keys.js";
import { RunStore } from "../../src/store/RunStore.js";
import { cli, harness, killBackground, REDIS_URL, ROOT, rows, startCli, until, type Harness } from "./helpers.js";
import { hasRedisServer } from "./privateRedis.js";
import { common, outcomesOf, privateRedis, reportFlags, stopPrivateRedis } from "./underKills.js";

// Issue 22, defect 5: `enqueue` and `report --follow` wait out a Redis restart and a run not yet created,
// as `work` does, saying so once.

let h: Harness | undefined;
const procs: ChildProcess[] = [];
afterEach(async () => {
  killBackground();
  for (const p of procs.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
  stopPrivateRedis();
  await h?.close();
  h = undefined;
});

/** The real CLI in the background, with what it has said on stderr so far. */
function startSaying(args: readonly string[], env: Record<string, string> = {}): { child: ChildProcess; said: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [join(ROOT, "bin/connect-backfill.js"), ...args], { cwd: ROOT, env: { ...process.env, REDIS_URL, ...env } });
  procs.push(child);
  let said = "";
  child.stderr?.on("data", (d: Buffer) => (said += d.toString()));
  child.stdout?.resume();
  return { child, said: () => said, exited: new Promise((r) => child.on("exit", (code) => r(code))) };
}

/** Lines of stderr that say Redis is away (not the producer's own "waiting: … queued ahead" lines). */
function redisAwayLines(said: string): string[] {
  return said.split("\n").filter((l) => /Redis/.test(l) && /does not answer|unreachable|restart|away|reconnect/i.test(l));
}

describe.runIf(hasRedisServer)("enqueue through a Redis restart", () => {
  it("while it waits on its queue window: it does not exit 1, says once that Redis is away, and the run ends with every row", async () => {
    h = await harness({ latencyMs: 1 });
    const r = await privateRedis(h);
    const env = { REDIS_URL: r.url };
    const total = 2000;
    const file = await h.file("window.csv", rows(total, "e"));
    const p = startSaying(["enqueue", file, ...common(h), "--queue-window", "200", "--chunk-size", "50", "--run-id", "er"], env);
    await until(() => /waiting: \d+ rows are queued ahead of the workers/.test(p.said()), 20_000);
    await r.restart();
    // Workers (they ride through restarts already) and a report writer make room; the producer goes on.
    startCli(["work", "--run-id", "er", "--prefix", h.prefix, "--endpoint", h.endpoint, "--rate", "2000", "--concurrency", "16"], env);
    const follow = startSaying(["report", "er", "--follow", ...reportFlags(h), "--quiet"], env);
    // The producer first: a producer that died leaves the run (and its follower) waiting forever.
    const code = await p.exited;
    expect(code, p.said()).toBe(0);
    expect(redisAwayLines(p.said()), p.said()).toHaveLength(1);
    expect(await follow.exited, follow.said()).toBe(0);
    const out = await outcomesOf(h, "er");
    expect(out).toHaveLength(total);
    expect(out.every((o) => o.status === "updated")).toBe(true);
    expect(h.sim.acceptedCount()).toBe(total);
    for (const i of [0, 999, total - 1]) expect(h.sim.attributesOf("i", `e${i}`)?.v).toBe(String(i));
  });

  it("while it reads a big file (no window): it does not exit 1, says once that Redis is away, and every row is queued once", async () => {
    h = await harness();
    const r = await privateRedis(h);
    const env = { REDIS_URL: r.url };
    const total = 120_000;
    const file = await h.file("big.csv", rows(total, "b"));
    const p = startSaying(["enqueue", file, ...common(h), "--queue-window", "0", "--chunk-size", "500", "--run-id", "eb"], env);
    const redis = new Redis(r.url, { maxRetriesPerRequest: null });
    // Refused connections while Redis restarts are expected here.
    redis.on("error", () => undefined);
    try {
      const store = new RunStore(redis, keysFor(h.prefix));
      await until(async () => ((await store.progress("eb"))?.read ?? 0) > 10_000, 30_000);
      await r.restart();
      const code = await p.exited;
      expect(code, p.said()).toBe(0);
      expect(redisAwayLines(p.said()), p.said()).toHaveLength(1);
      const done = await store.progress("eb");
      expect(done?.producerDone).toBe(true);
      expect(done?.read).toBe(total);
    } finally {
      redis.disconnect();
    }
  });
});

describe("report --follow started before its run exists", () => {
  it("waits for the run instead of exiting, and writes its reports at the end", async () => {
    h = await harness({ latencyMs: 1 });
    const total = 200;
    const follower = startSaying(["report", "late", "--follow", ...reportFlags(h), "--quiet"]);
    // It has looked for the run (and said so, or exited) before the run is created; a follower that waits
    // silently is given 10 s to look.
    await until(() => follower.said().length > 0 || follower.child.exitCode !== null, 10_000).catch(() => undefined);
    const file = await h.file("late.csv", rows(total, "l"));
    expect((await cli(["enqueue", file, ...common(h), "--run-id", "late"])).code).toBe(0);
    const w = await cli(["work", "--run-id", "late", "--prefix", h.prefix, "--endpoint", h.endpoint, "--exit-when-idle", "--rate", "1000"]);
    expect(w.code, w.stderr).toBe(0);
    expect(await follower.exited, follower.said()).toBe(0);
    const out = await outcomesOf(h, "late");
    expect(out).toHaveLength(total);
    expect(h.sim.acceptedCount()).toBe(total);
  });
});
