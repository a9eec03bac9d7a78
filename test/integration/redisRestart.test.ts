import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConnectSimulator } from "../../src/simulator/index.js";
import { cli, csv, ROOT } from "./helpers.js";
import { freePort, hasRedisServer, startRedis, waitForPort } from "./privateRedis.js";

const procs: ChildProcess[] = [];
afterEach(() => {
  for (const p of procs.splice(0)) if (p.exitCode === null) p.kill("SIGKILL");
});

describe.runIf(hasRedisServer)("Redis checks at start", () => {
  it("refuses an evicting Redis in one sentence, unless told to skip the check", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cb-redis-policy-"));
    const port = await freePort();
    const redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--maxmemory-policy", "allkeys-lru"], {
      stdio: "ignore",
    });
    procs.push(redis);
    try {
      await waitForPort(port);
      const env = { REDIS_URL: `redis://127.0.0.1:${port}` };
      const refused = await cli(["status"], env);
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim()).toBe(
        'connect-backfill: Redis maxmemory-policy is "allkeys-lru", which can evict queued rows; set it to noeviction (or pass --skip-redis-checks).',
      );
      const allowed = await cli(["status", "--skip-redis-checks"], env);
      expect(allowed.code).toBe(0);
    } finally {
      redis.kill("SIGKILL");
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.runIf(hasRedisServer)("Redis restart (append-only file on)", () => {
  it("workers wait for Redis to come back and finish; every row ends with exactly one outcome", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cb-redis-restart-"));
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const sim = new ConnectSimulator({ autoCreate: true, latencyMs: 10 });
    const { endpoint } = await sim.start();
    try {
      let redis = startRedis(port, dir);
      procs.push(redis);
      await waitForPort(port);
      const lines = [["contactId", "v"]];
      for (let i = 0; i < 600; i++) lines.push([`r${i}`, String(i)]);
      const file = join(dir, "rows.csv");
      await (await import("node:fs/promises")).writeFile(file, csv(lines));
      const env = { REDIS_URL: url };
      expect((await cli(["enqueue", file, "--endpoint", endpoint, "--instance-id", "i", "--run-id", "rr", "--chunk-size", "50"], env)).code).toBe(0);

      const worker = spawn(
        process.execPath,
        [join(ROOT, "bin/connect-backfill.js"), "work", "--exit-when-idle", "--rate", "200", "--concurrency", "8", "--endpoint", endpoint, "--lock-duration", "2000"],
        {
          cwd: ROOT,
          env: { ...process.env, ...env },
          stdio: "ignore",
        },
      );
      procs.push(worker);
      const exited = new Promise<number | null>((r) => worker.on("exit", (c) => r(c)));
      // The report follower of a multi-host backfill rides out the restart too, and writes the files at the end.
      const reportsDir = join(dir, "reports");
      const follower = spawn(process.execPath, [join(ROOT, "bin/connect-backfill.js"), "report", "rr", "--follow", "--quiet", "--reports-dir", reportsDir], {
        cwd: ROOT,
        env: { ...process.env, ...env },
        stdio: "ignore",
      });
      procs.push(follower);
      const followed = new Promise<number | null>((r) => follower.on("exit", (c) => r(c)));
      while (sim.updates().length < 150) await new Promise((r) => setTimeout(r, 20));
      redis.kill("SIGKILL");
      await new Promise((r) => redis.on("exit", r));
      // Longer than a fail-fast command connection retries (about 1.2 s).
      await new Promise((r) => setTimeout(r, 3000));
      redis = startRedis(port, dir);
      procs.push(redis);
      await waitForPort(port);

      expect(await exited).toBe(0);
      expect(await followed).toBe(0);
      const report = await cli(["report", "rr", "--reports-dir", reportsDir], env);
      expect(report.code).toBe(0);
      const out = (await readFile(join(reportsDir, "rr", "outcomes.csv"), "utf8"))
        .replace(/^\uFEFF/, "")
        .trim()
        .split("\r\n")
        .slice(1);
      expect(out).toHaveLength(600);
      expect(new Set(out.map((l) => l.split(",")[0])).size).toBe(600);
      expect(out.every((l) => l.split(",")[3] === "updated")).toBe(true);
      expect(new Set(sim.updates().map((u) => u.contactId)).size).toBe(600);
    } finally {
      await sim.stop();
      for (const p of procs.splice(0)) if (p.exitCode === null) p.kill("SIGKILL");
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("logs that do not flood: a worker says once that Redis went away and once that it is back, per outage; a producer ahead of its workers says so once", {
    timeout: 180_000,
  }, async () => {
    const dir = await mkdtemp(join(tmpdir(), "cb-redis-quiet-"));
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const sim = new ConnectSimulator({ autoCreate: true, rate: 100 });
    const { endpoint } = await sim.start();
    try {
      let redis = startRedis(port, dir);
      procs.push(redis);
      await waitForPort(port);
      const env = { REDIS_URL: url };
      const worker = spawn(process.execPath, [join(ROOT, "bin/connect-backfill.js"), "work", "--endpoint", endpoint, "--log-level", "info"], {
        cwd: ROOT,
        env: { ...process.env, ...env },
        stdio: ["ignore", "ignore", "pipe"],
      });
      procs.push(worker);
      let log = "";
      worker.stderr?.on("data", (b: Buffer) => {
        log += b.toString();
      });
      const exited = new Promise<number | null>((r) => worker.on("exit", (c) => r(c)));
      const until = async (what: () => boolean) => {
        for (let i = 0; i < 600 && !what(); i++) await new Promise((r) => setTimeout(r, 50));
      };
      const count = (re: RegExp) => log.split("\n").filter((l) => re.test(l)).length;
      await until(() => /worker started/.test(log));
      await new Promise((r) => setTimeout(r, 500)); // its scheduler is up
      for (let outage = 1; outage <= 3; outage++) {
        redis.kill("SIGKILL");
        await new Promise((r) => redis.on("exit", r));
        await new Promise((r) => setTimeout(r, 2000));
        redis = startRedis(port, dir);
        procs.push(redis);
        await waitForPort(port);
        await until(() => count(/scheduler: Redis answers again after \d+ s/) >= outage);
      }
      // The same worker takes a run while a producer runs ahead of it with a small window.
      const lines = [["contactId", "v"], ...Array.from({ length: 400 }, (_, i) => [`q${i}`, String(i)])];
      const file = join(dir, "rows.csv");
      await (await import("node:fs/promises")).writeFile(file, csv(lines));
      const run = await cli(
        [
          "run",
          file,
          "--endpoint",
          endpoint,
          "--instance-id",
          "i",
          "--run-id",
          "quiet",
          "--chunk-size",
          "10",
          "--queue-window",
          "20",
          "--rate",
          "100",
          "--log-level",
          "info",
          "--quiet",
          "--reports-dir",
          join(dir, "reports"),
        ],
        env,
      );
      expect(run.code).toBe(0);
      worker.kill("SIGTERM");
      await exited;
      expect(count(/scheduler error/)).toBe(0);
      expect(count(/scheduler: Redis does not answer/)).toBe(3);
      expect(count(/scheduler: Redis answers again after \d+ s; due times go on/)).toBe(3);
      const said = (re: RegExp) => run.stderr.split("\n").filter((l) => re.test(l)).length;
      expect(said(/producer waits: \d+ rows are queued ahead of the workers/)).toBe(1);
      expect(said(/producer waited \d+ s in all, now goes on: \d+ rows are queued ahead of the workers/)).toBe(1);
    } finally {
      await sim.stop();
      for (const p of procs.splice(0)) if (p.exitCode === null) p.kill("SIGKILL");
      await rm(dir, { recursive: true, force: true });
    }
  });
});
