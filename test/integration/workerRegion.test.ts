import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cli, csv, type Harness, harness, REDIS_URL, ROOT, until } from "./helpers.js";

/** A shell whose Region is not AWS_REGION: what `work` compares with a run's Region is what its calls are signed for. */
describe("a worker whose Region comes from its profile or AWS_DEFAULT_REGION", () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it("leaves alone a run queued for another Region, and signs a run of its own Region for that Region", async () => {
    h = await harness();
    const profile = join(h.dir, "aws-config");
    await writeFile(profile, "[default]\nregion = eu-west-1\n");
    const file = await h.file("f.csv", csv([["contactId", "tier"], ...Array.from({ length: 10 }, (_, i) => [`c${i}`, "gold"])]));
    const common = ["--prefix", h.prefix, "--endpoint", h.endpoint];
    const queued = await cli(["enqueue", file, "--run-id", "east", "--instance-id", "i", ...common], { AWS_REGION: "us-east-1" });
    expect(queued.code, queued.stderr).toBe(0);
    // A worker of every run on the prefix (not aimed by --run-id) with the profile's Region alone (no AWS_REGION):
    // eu-west-1, not the run's. Left alone, the run never goes idle:
    // the worker is stopped once it has said why.
    const { AWS_REGION: _r, AWS_DEFAULT_REGION: _d, ...rest } = process.env;
    const shell = { ...rest, REDIS_URL, AWS_CONFIG_FILE: profile };
    const west = spawn(process.execPath, [join(ROOT, "bin/connect-backfill.js"), "work", ...common], { env: shell });
    let said = "";
    west.stdout.on("data", (d: Buffer) => (said += d.toString()));
    west.stderr.on("data", (d: Buffer) => (said += d.toString()));
    const exited = new Promise((r) => west.on("exit", r));
    try {
      await until(() => said.includes("left alone"));
    } finally {
      west.kill("SIGTERM");
      await exited;
    }
    expect(said).toContain("it was queued for Region us-east-1, this worker calls eu-west-1");
    expect(h.sim.acceptedCount()).toBe(0);
    // No Region anywhere: the run is left alone too, not worked into failures.
    const bare = await cli(["work", "--exit-when-idle", ...common], { AWS_REGION: "", AWS_CONFIG_FILE: join(h.dir, "none") });
    expect(bare.stdout + bare.stderr).toContain("and this worker has no Region");
    expect(h.sim.acceptedCount()).toBe(0);
    // AWS_DEFAULT_REGION says us-east-1 (the SDK does not read it; the profile says eu-west-1): signed for us-east-1.
    const east = spawn(process.execPath, [join(ROOT, "bin/connect-backfill.js"), "work", "--exit-when-idle", ...common], {
      env: { ...shell, AWS_DEFAULT_REGION: "us-east-1" },
      stdio: "ignore",
    });
    expect(await new Promise((r) => east.on("exit", r))).toBe(0);
    expect(h.sim.acceptedCount()).toBe(10);
    expect(h.sim.signingRegions()).toEqual({ "us-east-1": 10 });
  });

  it("work --run-id of a run queued elsewhere works it where it was queued, whatever the shell says, and refuses a flag that disagrees", async () => {
    h = await harness();
    const file = await h.file("f.csv", csv([["contactId", "tier"], ...Array.from({ length: 5 }, (_, i) => [`c${i}`, "gold"])]));
    const queued = await cli(["enqueue", file, "--run-id", "here", "--instance-id", "i", "--prefix", h.prefix, "--endpoint", h.endpoint], {
      AWS_REGION: "us-east-1",
    });
    expect(queued.code, queued.stderr).toBe(0);
    const elsewhere = await cli(["work", "--run-id", "here", "--exit-when-idle", "--prefix", h.prefix, "--endpoint", "http://127.0.0.1:9"], {
      AWS_REGION: "us-east-1",
    });
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toContain("--endpoint http://127.0.0.1:9 disagrees with run here");
    // No endpoint in the shell (AWS's own, and eu-west-1): the run's simulator and Region all the same.
    const worked = await cli(["work", "--run-id", "here", "--exit-when-idle", "--prefix", h.prefix], { AWS_REGION: "eu-west-1" });
    expect(worked.code, worked.stderr).toBe(0);
    expect(h.sim.acceptedCount()).toBe(5);
    expect(h.sim.signingRegions()).toEqual({ "us-east-1": 5 });
  });
});
