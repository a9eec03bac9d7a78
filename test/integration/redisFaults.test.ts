import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConnectSimulator } from "../../src/simulator/index.js";
import { cli, csv, ROOT, until } from "./helpers.js";
import { freePort, hasRedisServer, startRedis, waitForPort } from "./privateRedis.js";

// Redis in trouble: a private redis-server per test, killed or locked on purpose.

const procs: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) if (p.exitCode === null) p.kill("SIGKILL");
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function privateRedis(extra: string[] = []): Promise<{ port: number; proc: ChildProcess }> {
  const dir = await mkdtemp(join(tmpdir(), "cb-redis-fault-"));
  dirs.push(dir);
  const port = await freePort();
  const proc = startRedis(port, dir, extra);
  procs.push(proc);
  await waitForPort(port);
  return { port, proc };
}

describe.runIf(hasRedisServer)("Redis in trouble", () => {
  it("SIGTERM while Redis is down: the worker exits within --shutdown-timeout and a few seconds", async () => {
    const { port, proc } = await privateRedis();
    const sim = new ConnectSimulator({ autoCreate: true, latencyMs: 20 });
    const { endpoint } = await sim.start();
    try {
      const dir = dirs[0] as string;
      const lines = [["contactId", "v"]];
      for (let i = 0; i < 400; i++) lines.push([`d${i}`, String(i)]);
      const file = join(dir, "rows.csv");
      await (await import("node:fs/promises")).writeFile(file, csv(lines));
      const env = { REDIS_URL: `redis://127.0.0.1:${port}` };
      expect((await cli(["enqueue", file, "--endpoint", endpoint, "--instance-id", "i", "--run-id", "down"], env)).code).toBe(0);
      const worker = spawn(
        process.execPath,
        [join(ROOT, "bin/connect-backfill.js"), "work", "--rate", "50", "--concurrency", "4", "--endpoint", endpoint, "--shutdown-timeout", "2000"],
        {
          cwd: ROOT,
          env: { ...process.env, ...env },
          stdio: "ignore",
        },
      );
      procs.push(worker);
      const exited = new Promise<number | null>((r) => worker.on("exit", (code) => r(code)));
      await until(() => sim.updates().length >= 10);
      proc.kill("SIGKILL");
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now();
      worker.kill("SIGTERM");
      await exited;
      // 2 s of shutdown timeout, 3 s to hand back, a few seconds of bounded flushes: not a minute, not for ever.
      expect(Date.now() - t0).toBeLessThan(15_000);
    } finally {
      await sim.stop();
    }
  });

  it("a password is never printed, and a wrong one is said to be wrong", async () => {
    const { port } = await privateRedis(["--requirepass", "right-pass-123"]);
    const wrong = await cli(["status"], { REDIS_URL: `redis://:wrong-pass-456@127.0.0.1:${port}` });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/? refused the password/);
    expect(wrong.stderr).not.toContain("wrong-pass-456");
    const closed = await freePort();
    const query = await cli(["status"], { REDIS_URL: `redis://127.0.0.1:${closed}/?password=hunter2-secret` });
    expect(query.code).toBe(1);
    expect(query.stderr).toMatch(/Cannot reach Redis at /);
    expect(query.stderr).not.toContain("hunter2-secret");
    const right = await cli(["status"], { REDIS_URL: `redis://:right-pass-123@127.0.0.1:${port}` });
    expect(right.code).toBe(0);
  });
});
