import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cli, harness, REDIS_URL, ROOT, rows, until, type Harness } from "./helpers.js";

// A `run` whose terminal closes stops like Ctrl-C; one killed outright is told as dead by `status`
// (issue 28, item 4).

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function start(args: readonly string[]) {
  const child = spawn(process.execPath, [join(ROOT, "bin/connect-backfill.js"), ...args], { cwd: ROOT, env: { ...process.env, REDIS_URL } });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.on("exit", (code, signal) => r({ code, signal })));
  return { child, exited, stderr: () => stderr };
}

type Status = { state: string; eta: number | null; heldChunks: number; abandonedChunks: number; noWorker?: string };

describe("a run that loses its terminal, or dies", () => {
  it("SIGHUP stops `run` gracefully, as SIGINT does: rows go back to the queue and it says how to go on", async () => {
    h = await harness({ latencyMs: 40 });
    const file = await h.file("big.csv", rows(400, "h"));
    const common = ["--instance-id", "i", "--prefix", h.prefix, "--endpoint", h.endpoint, "--region", "us-east-1", "--reports-dir", join(h.dir, "reports")];
    const run = start(["run", file, ...common, "--rate", "100", "--run-id", "hup", "--quiet"]);
    await until(() => h?.sim.acceptedCount() !== undefined && (h?.sim.acceptedCount() ?? 0) >= 5, 60_000);
    run.child.kill("SIGHUP");
    const end = await run.exited;
    expect(end, run.stderr()).toEqual({ code: 1, signal: null });
    expect(run.stderr()).toMatch(/SIGHUP received, stopping/);
    expect(run.stderr()).toMatch(/run hup interrupted; \d+ rows are still queued: go on with "connect-backfill run .* --run-id hup"/);
    // Nothing lost: a worker finishes the run.
    const work = await cli(["work", "--prefix", h.prefix, "--endpoint", h.endpoint, "--region", "us-east-1", "--run-id", "hup", "--exit-when-idle"]);
    expect(work.code, work.stderr).toBe(0);
    const status = JSON.parse((await cli(["status", "hup", "--json", "--prefix", h.prefix])).stdout) as Status & { counts: { updated: number } };
    expect(status.counts.updated).toBe(400);
  });

  it("status tells an abandoned chunk from a held one: no ETA, no worker seen for N s, and the command to run", async () => {
    h = await harness({ latencyMs: 40 });
    const file = await h.file("big.csv", rows(400, "k"));
    const common = ["--instance-id", "i", "--prefix", h.prefix, "--endpoint", h.endpoint, "--region", "us-east-1", "--reports-dir", join(h.dir, "reports")];
    const run = start(["run", file, ...common, "--rate", "10", "--lock-duration", "1000", "--run-id", "dead", "--quiet"]);
    await until(() => (h?.sim.acceptedCount() ?? 0) >= 3, 60_000);
    const live = JSON.parse((await cli(["status", "dead", "--json", "--prefix", h.prefix])).stdout) as Status;
    expect(live).toMatchObject({ state: "running", heldChunks: 1, abandonedChunks: 0 });
    expect(live.noWorker).toBeUndefined();
    run.child.kill("SIGKILL");
    await run.exited;
    // The lock expires after --lock-duration; the run is `running` while outcomes are 10 s fresh.
    let seen: Status | undefined;
    await until(async () => {
      seen = JSON.parse((await cli(["status", "dead", "--json", "--prefix", h?.prefix ?? ""])).stdout) as Status;
      return seen.state === "queued";
    }, 60_000);
    expect(seen).toMatchObject({ state: "queued", eta: null, heldChunks: 0, abandonedChunks: 1 });
    expect(seen?.noWorker).toMatch(/^no worker seen for \d+ s: start one with "connect-backfill work --run-id dead"/);
    const text = (await cli(["status", "dead", "--prefix", h.prefix])).stdout;
    expect(text).toMatch(/run dead: queued/);
    expect(text).toMatch(/ETA -/);
    expect(text).toMatch(/1 chunk was held by a worker that is gone \(the lock expired\)/);
    expect(text).toMatch(/no worker seen for \d+ s: start one with "connect-backfill work --run-id dead"/);
  });
});
