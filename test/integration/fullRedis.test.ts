import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { ConnectSimulator } from "../../src/simulator/index.js";
import { cli, csv, readReport, ROOT, until } from "./helpers.js";
import { freePort, hasRedisServer, startRedis, waitForPort } from "./privateRedis.js";

// A Redis that refuses writes (maxmemory reached with noeviction) while two
// workers run: nothing may crash, no chunk may use up its attempts, no value may
// be printed, and once Redis has room the run ends with every row applied.

const procs: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const SECRET = "s3cr3t-value";

describe.runIf(hasRedisServer)("a full Redis", () => {
  it("workers ride it out without using attempts or printing values; enqueue says so; the run ends whole once it has room", { timeout: 150_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), "cb-full-"));
    dirs.push(dir);
    const port = await freePort();
    const server = startRedis(port, dir);
    procs.push(server);
    await waitForPort(port);
    const url = `redis://127.0.0.1:${port}`;
    const admin = new Redis(url);
    const sim = new ConnectSimulator({ autoCreate: true, latencyMs: 5 });
    const { endpoint } = await sim.start();
    try {
      const n = 1500;
      const lines = [["contactId", "v"]];
      for (let i = 0; i < n; i++) lines.push([`f${i}`, `${SECRET}-${i}`]);
      const file = join(dir, "rows.csv");
      await writeFile(file, csv(lines));
      const env = { REDIS_URL: url };
      const common = ["--endpoint", endpoint, "--instance-id", "i"];
      expect((await cli(["enqueue", file, ...common, "--run-id", "full", "--chunk-size", "50"], env)).code).toBe(0);

      const logs: string[] = [];
      const workers = [0, 1].map(() => {
        const w = spawn(
          process.execPath,
          [
            join(ROOT, "bin/connect-backfill.js"),
            "work",
            "--rate",
            "150",
            "--concurrency",
            "8",
            "--endpoint",
            endpoint,
            "--lock-duration",
            "3000",
            "--log-level",
            "debug",
          ],
          {
            cwd: ROOT,
            env: { ...process.env, ...env },
            stdio: ["ignore", "pipe", "pipe"],
          },
        );
        let text = "";
        w.stdout.on("data", (d: Buffer) => (text += d.toString()));
        w.stderr.on("data", (d: Buffer) => (text += d.toString()));
        w.on("exit", () => logs.push(text));
        procs.push(w);
        return { w, text: () => text };
      });
      await until(() => sim.updates().length >= 100, 60_000);
      // Full: every write that needs memory is refused from here on.
      await admin.config("SET", "maxmemory", "1");
      await new Promise((r) => setTimeout(r, 8_000));
      for (const { w } of workers) expect(w.exitCode, "a worker died on a full Redis").toBeNull();

      // Queueing into a full Redis: one sentence, and how to go on.
      const more = join(dir, "more.csv");
      await writeFile(
        more,
        csv([
          ["contactId", "v"],
          ["m1", "1"],
          ["m2", "2"],
        ]),
      );
      const refused = await cli(["enqueue", more, ...common, "--run-id", "more"], env);
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim().split("\n")).toHaveLength(1);
      // Found before anything is queued: nothing of the run to go on with.
      expect(refused.stderr).toMatch(/^connect-backfill: cannot start: Redis is full \(maxmemory reached.*raise maxmemory or free memory/);

      await admin.config("SET", "maxmemory", "0");
      // Without `resume`: no chunk was failed, so the run ends by itself.
      await until(async () => {
        const s = await cli(["status", "full", "--json"], env);
        return s.code === 0 && (JSON.parse(s.stdout) as { state: string }).state === "finished";
      }, 120_000);
      for (const { w } of workers) expect(w.exitCode).toBeNull();
      const text = workers.map((w) => w.text()).join("");
      expect(text).toMatch(/Redis is full \(maxmemory reached/);
      expect(text).not.toContain(SECRET);
      expect(text).not.toMatch(/chunk failed/);
      // What the service holds: every row, its own value.
      for (let i = 0; i < n; i += 1) expect(sim.attributesOf("i", `f${i}`)?.v).toBe(`${SECRET}-${i}`);
      const rep = await cli(["report", "full", "--reports-dir", join(dir, "reports")], env);
      expect(rep.code).toBe(0);
      const outcomes = await readReport(join(dir, "reports", "full", "outcomes.csv"));
      expect(outcomes).toHaveLength(n);
      expect(outcomes.every((o) => o.status === "updated")).toBe(true);
      // And the refused enqueue, given again once Redis has room, queues the file.
      expect((await cli(["enqueue", more, ...common, "--run-id", "more"], env)).code).toBe(0);
    } finally {
      await sim.stop();
      admin.disconnect();
    }
  });
});

describe("chunks BullMQ failed outright", () => {
  it("status names them, resume queues them again, and the run ends whole", { timeout: 90_000 }, async () => {
    const { harness } = await import("./helpers.js");
    const { UnrecoverableError, Worker } = await import("bullmq");
    const h = await harness({ latencyMs: 1 });
    const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: null });
    try {
      const lines = [["contactId", "v"]];
      for (let i = 0; i < 200; i++) lines.push([`x${i}`, `v${i}`]);
      const file = await h.file("x.csv", csv(lines));
      const common = ["--prefix", h.prefix, "--endpoint", h.endpoint];
      expect((await cli(["enqueue", file, "--instance-id", "i", "--run-id", "stuck", "--chunk-size", "50", ...common])).code).toBe(0);
      // Two chunks failed for good, as BullMQ leaves them after their attempts (a full Redis before this fix).
      const taker = new Worker("chunks.stuck", null, { connection: redis, prefix: h.prefix });
      for (const token of ["t1", "t2"]) {
        const job = await taker.getNextJob(token);
        if (!job) throw new Error("no chunk to fail");
        await job.moveToFailed(new UnrecoverableError("OOM command not allowed"), token);
      }
      await taker.close();
      expect((await cli(["work", "--exit-when-idle", "--rate", "500", ...common])).code).toBe(0);
      expect(h.sim.updates()).toHaveLength(100);
      const status = await cli(["status", "stuck", "--prefix", h.prefix]);
      expect(status.stdout).toMatch(/pending 100/);
      expect(status.stdout).toMatch(/2 chunks failed outright and their rows wait without an outcome: "connect-backfill resume stuck"/);

      const resume = await cli(["resume", "stuck", "--prefix", h.prefix]);
      expect(resume.code).toBe(0);
      expect(resume.stderr).toMatch(/run stuck resumed; 0 parked chunks and 2 chunks that had failed queued again/);
      expect((await cli(["work", "--exit-when-idle", "--rate", "500", ...common])).code).toBe(0);
      const done = JSON.parse((await cli(["status", "stuck", "--json", "--prefix", h.prefix])).stdout) as {
        state: string;
        failedChunks: number;
        counts: { updated: number };
      };
      expect(done).toMatchObject({ state: "finished", failedChunks: 0, counts: { updated: 200 } });
      // Every row once, with its own value.
      expect(h.sim.updates()).toHaveLength(200);
      for (let i = 0; i < 200; i++) expect(h.sim.attributesOf("i", `x${i}`)?.v).toBe(`v${i}`);
    } finally {
      redis.disconnect();
      await h.close();
    }
  });
});

describe("a Redis that lost its data", () => {
  it("the worker names the lost run once and stops calling for it", { timeout: 90_000 }, async () => {
    const { harness, deletePrefix } = await import("./helpers.js");
    const h = await harness({ latencyMs: 20 });
    try {
      const file = await h.file("w.csv", csv([["contactId", "v"], ...Array.from({ length: 400 }, (_, i) => [`w${i}`, String(i)])]));
      const common = ["--prefix", h.prefix, "--endpoint", h.endpoint];
      expect((await cli(["enqueue", file, "--instance-id", "i", "--run-id", "wiped", "--chunk-size", "50", ...common])).code).toBe(0);
      const w = spawn(process.execPath, [join(ROOT, "bin/connect-backfill.js"), "work", "--rate", "40", "--concurrency", "4", ...common], {
        cwd: ROOT,
        env: { ...process.env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      procs.push(w);
      let log = "";
      w.stderr.on("data", (d: Buffer) => (log += d.toString()));
      w.stdout.on("data", (d: Buffer) => (log += d.toString()));
      await until(() => h.sim.updates().length >= 20);
      // FLUSHALL as far as this test may: every key of the prefix.
      await deletePrefix(h.prefix);
      await until(() => /run wiped is gone from Redis while it was not finished: Redis lost its data/.test(log), 20_000);
      await new Promise((r) => setTimeout(r, 1500));
      const after = h.sim.updates().length;
      await new Promise((r) => setTimeout(r, 1500));
      expect(h.sim.updates().length).toBe(after);
      expect(after).toBeLessThan(400);
      expect(log.match(/is gone from Redis/g), log).toHaveLength(1);
      expect(w.exitCode).toBeNull();
      // No orphan run hash was written back after the loss.
      const { Redis: R } = await import("ioredis");
      const r = new R(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
      expect(await r.exists(`${h.prefix}:run:wiped`)).toBe(0);
      r.disconnect();
    } finally {
      await h.close();
    }
  });
});
