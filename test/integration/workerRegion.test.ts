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
    // The profile's Region alone (no AWS_REGION): eu-west-1, not the run's. Left alone, the run never goes idle:
    // the worker is stopped once it has said why.
    const { AWS_REGION: _r, AWS_DEFAULT_REGION: _d, ...rest } = process.env;
    const shell = { ...rest, REDIS_URL, AWS_CONFIG_FILE: profile };
    const west = spawn(process.execPath, [join(ROOT, "bin/connect-backfill.js"), "work", "--run-id", "east", ...common], { env: shell });
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
    // AWS_DEFAULT_REGION says us-east-1 (the SDK does not read it; the profile says eu-west-1): signed for us-east-1.
    const east = spawn(process.execPath, [join(ROOT, "bin/connect-backfill.js"), "work", "--run-id", "east", "--exit-when-idle", ...common], {
      env: { ...shell, AWS_DEFAULT_REGION: "us-east-1" },
      stdio: "ignore",
    });
    expect(await new Promise((r) => east.on("exit", r))).toBe(0);
    expect(h.sim.acceptedCount()).toBe(10);
    expect(h.sim.signingRegions()).toEqual({ "us-east-1": 10 });
  });
});
