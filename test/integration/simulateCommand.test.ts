import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ROOT } from "./helpers.js";
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
