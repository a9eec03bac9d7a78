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
        const w = spawn(process.execPath, [join(ROOT, "bin/connect-backfill.js"), "work", "--rate", "150", "--concurrency", "8", "--endpoint", endpoint, "--lock-duration", "3000", "--log-level", "debug"], {
          cwd: ROOT,
          env: { ...process.env, ...env },
          stdio: ["ignore", "pipe", "pipe"],
        });
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
      await writeFile(more, csv([["contactId", "v"], ["m1", "1"], ["m2", "2"]]));
      const refused = await cli(["enqueue", more, ...common, "--run-id", "more"], env);
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim().split("\n")).toHaveLength(1);
      expect(refused.stderr).toMatch(/Redis is full .*run the same command with --run-id more to go on/);

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
      // And the refused enqueue goes on as it said.
      expect((await cli(["enqueue", more, ...common, "--run-id", "more"], env)).code).toBe(0);
    } finally {
      await sim.stop();
      admin.disconnect();
    }
  });
});
