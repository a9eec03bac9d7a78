import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cli, ROOT } from "./helpers.js";
import { freePort } from "./privateRedis.js";

const children: Array<ReturnType<typeof spawn>> = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
});

describe("connect-backfill simulate", () => {
  it("serves with a quota of its own per API (--quota) and says where it listens", async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [join(ROOT, "bin/connect-backfill.js"), "simulate", "--port", String(port), "--rate", "10", "--quota", "UpdateContact=3/4"],
      {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    children.push(child);
    let out = "";
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("listening")) resolve();
      });
      child.on("exit", (code) => reject(new Error(`simulate exited ${code}`)));
    });
    expect(out).toContain(`http://127.0.0.1:${port}`);
    const quotas = (await (await fetch(`http://127.0.0.1:${port}/__sim/rate`)).json()) as Record<string, { rate: number | null; burst: number }>;
    expect(quotas.UpdateContact).toMatchObject({ rate: 3, burst: 4 });
    // The others keep --rate with the documented burst (10/s → 15).
    expect(quotas.UpdateContactAttributes).toMatchObject({ rate: 10, burst: 15 });
    child.kill("SIGTERM");
  });

  it("check --wait asks until a simulator started beside it listens (the guides' first lines); without it, one sentence", async () => {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const env = { AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "x" };
    const args = ["check", "--endpoint", endpoint, "--instance-id", "inst", "--prefix", `cb-simwait-${port}`];
    const early = await cli(args, env);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain(`the Connect endpoint ${endpoint} (Region us-east-1) does not answer (ECONNREFUSED)`);
    // Started a second after the check: as `simulate … &` then `check --wait` in a shell, where the simulator is the slower to start.
    const waited = cli([...args, "--wait", "30000"], env);
    await new Promise((r) => setTimeout(r, 1000));
    const child = spawn(process.execPath, [join(ROOT, "bin/connect-backfill.js"), "simulate", "--port", String(port), "--auto-create"], {
      cwd: ROOT,
      stdio: "ignore",
    });
    children.push(child);
    const res = await waited;
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`ok: credentials, Region us-east-1, ${endpoint}, Redis, the instance and the permission to read it`);
  });

  it("refuses a --quota it cannot read, in one sentence", async () => {
    const child = spawn(process.execPath, [join(ROOT, "bin/connect-backfill.js"), "simulate", "--quota", "UpdateContact:5"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    let err = "";
    child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => child.on("exit", r));
    expect(code).toBe(2);
    expect(err.trim()).toBe(
      'connect-backfill: simulate: --quota takes OPERATION=RATE[/BURST] separated by commas (such as UpdateContact=5/10), got "UpdateContact:5"',
    );
  });
});
