import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cli, csv, harness, killBackground, REDIS_URL, ROOT, startCli, until, type Harness } from "./helpers.js";

// Progress that tells the truth while the file is still being read (issue 28, item 6).

let h: Harness | undefined;
afterEach(async () => {
  killBackground();
  await h?.close();
  h = undefined;
});

type Status = { state: string; total: number | null; expectedTotal?: number; eta: number | null; rate: number | null; counts: { pending: number } };

describe("progress while the file is read", () => {
  it("enqueue prints its run id at once; the ETA counts the rows still in the file; cancel with no worker is quick and status says the file is done", async () => {
    h = await harness({ latencyMs: 1 });
    const lines = [["contactId", "note"]];
    for (let i = 0; i < 20_000; i++) lines.push([`p${i}`, `value-${i}-${"x".repeat(30)}`]);
    const file = await h.file("big.csv", csv(lines));
    const target = ["--prefix", h.prefix, "--endpoint", h.endpoint, "--region", "us-east-1"];
    // A window of 1,000 rows and no worker: the producer queues 1,000 rows and waits.
    const enq = spawn(
      process.execPath,
      [join(ROOT, "bin/connect-backfill.js"), "enqueue", file, "--instance-id", "i", ...target, "--queue-window", "1000", "--chunk-size", "100"],
      {
        cwd: ROOT,
        env: { ...process.env, REDIS_URL },
      },
    );
    let out = "";
    let err = "";
    enq.stdout.on("data", (d: Buffer) => (out += d.toString()));
    enq.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => enq.on("exit", (code) => r(code)));
    try {
      await until(() => /\n/.test(out), 30_000);
    } catch {
      throw new Error(`enqueue printed no run id while it queued; stderr: ${err}`);
    }
    const runId = out.trim();
    expect(runId).toMatch(/^\d{8}T\d{6}-[0-9a-f]{6}$/);

    // No worker: queued, no ETA, and the file's size says about 20,000 rows are coming.
    await until(async () => JSON.parse((await cli(["status", runId, "--json", "--prefix", h?.prefix ?? ""])).stdout).expectedTotal !== undefined, 30_000);
    const waiting = JSON.parse((await cli(["status", runId, "--json", "--prefix", h.prefix])).stdout) as Status;
    expect(waiting).toMatchObject({ state: "queued", total: null, eta: null });
    expect(waiting.expectedTotal).toBeGreaterThan(18_000);
    expect(waiting.expectedTotal).toBeLessThan(22_000);

    // A worker at 100 rows/s: the ETA is for the ~20,000 rows of the file, not the 1,000 queued so far.
    const worker = startCli(["work", ...target, "--run-id", runId, "--rate", "100"]);
    let running: Status | undefined;
    await until(async () => {
      running = JSON.parse((await cli(["status", runId, "--json", "--prefix", h?.prefix ?? ""])).stdout) as Status;
      return running.state === "running" && running.eta !== null && (running.rate ?? 0) > 0;
    }, 60_000);
    const r = running as Status;
    expect(r.total).toBeNull();
    expect(r.eta as number).toBeGreaterThan((15_000 / (r.rate as number)) * 0.8);
    worker.child.kill("SIGTERM");
    await worker.exited;

    // The producer dies (its host went away); nobody works the run. Cancel does not wait for what cannot come.
    enq.kill("SIGKILL");
    await exited;
    const t0 = Date.now();
    const cancel = await cli(["cancel", runId, "--prefix", h.prefix, "--reports-dir", join(h.dir, "reports"), "--quiet"]);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(Date.now() - t0).toBeLessThan(20_000);
    const after = await cli(["status", runId, "--prefix", h.prefix]);
    expect(after.stdout).toMatch(new RegExp(`run ${runId}: cancelled`));
    expect(after.stdout).not.toMatch(/still reading the file/);
    expect(after.stdout).toMatch(/total \d+;/);
  });
});
