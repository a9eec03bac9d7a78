import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConnectSimulator } from "../../src/simulator/index.js";
import { cli, csv, harness, type Harness } from "./helpers.js";

let h: Harness | undefined;
let other: ConnectSimulator | undefined;
afterEach(async () => {
  await other?.stop();
  other = undefined;
  await h?.close();
  h = undefined;
});

/** A second simulator: the place a shell aimed elsewhere would send calls to. */
async function elsewhere(): Promise<{ sim: ConnectSimulator; endpoint: string }> {
  other = new ConnectSimulator({ autoCreate: true });
  const { endpoint } = await other.start();
  return { sim: other, endpoint };
}

describe("a run's target and settings are the run's", () => {
  it("retry and rollback call the parent's simulator, not the one the shell names; a conflicting flag is refused", async () => {
    h = await harness();
    const b = await elsewhere();
    for (const contactId of ["ok", "flaky"]) h.sim.addContact({ instanceId: "i", contactId, initiationTimestamp: new Date() });
    h.sim.injectFaults("flaky", [503, 503]);
    const file = await h.file(
      "first.csv",
      csv([
        ["contactId", "note"],
        ["ok", "a"],
        ["flaky", "b"],
      ]),
    );
    const reports = join(h.dir, "reports");
    const base = ["--prefix", h.prefix, "--log-level", "warn"];
    const first = await cli([
      "run",
      file,
      "--instance-id",
      "i",
      "--run-id",
      "parent",
      "--capture-before",
      "--max-attempts",
      "1",
      "--max-tries",
      "1",
      "--endpoint",
      h.endpoint,
      "--reports-dir",
      reports,
      ...base,
    ]);
    expect(first.code).toBe(3);
    const aBefore = h.sim.stats().requests;

    // The shell now points at simulator B, by every variable the AWS SDK reads, and at another Region.
    const shellB = { AWS_ENDPOINT_URL: b.endpoint, AWS_ENDPOINT_URL_CONNECT: b.endpoint, AWS_REGION: "eu-west-1" };
    for (const [flag, value, held] of [
      ["--endpoint", b.endpoint, h.endpoint],
      ["--region", "eu-west-1", "us-east-1"],
      ["--instance-id", "other", "i"],
      ["--operation", "UpdateContact", "UpdateContactAttributes"],
    ] as const) {
      const refused = await cli(["retry", "parent", flag, value, ...base], shellB);
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr.trim().split("\n")).toHaveLength(1);
      expect(refused.stderr).toContain(`${flag} ${value} disagrees with run parent`);
      expect(refused.stderr).toContain(`holds ${flag.slice(2)} ${held}`);
    }
    // A flag a retry does not take is said as such, with why.
    const canary = await cli(["retry", "parent", "--canary", "5", ...base], shellB);
    expect(canary.code).toBe(2);
    expect(canary.stderr).toMatch(/retry does not take --canary: its rows come from the parent run's outcomes/);

    // No --reports-dir: the parent's folder is known (its outcomes were moved there); no --endpoint: the parent's.
    const retry = await cli(["retry", "parent", "--run-id", "child", ...base], shellB);
    expect(retry.stderr).toBe("");
    expect(retry.code).toBe(0);
    expect(h.sim.attributesOf("i", "flaky")).toEqual({ note: "b" });
    expect(h.sim.stats().requests).toBeGreaterThan(aBefore);
    expect(b.sim.stats().requests).toBe(0);
    expect(existsSync(join(reports, "child", "outcomes.csv"))).toBe(true);

    // A flag that agrees with the run is no conflict.
    const agreeing = await cli(["retry", "child", "--endpoint", h.endpoint, "--region", "us-east-1", "--instance-id", "i", ...base], shellB);
    expect(agreeing.code, agreeing.stderr).toBe(0);
    expect(agreeing.stdout).toMatch(/nothing to retry/);

    // Rollback writes back where the run wrote, whatever the shell says (the retry kept its parent's --capture-before).
    const aBeforeRollback = h.sim.stats().requests;
    const rollback = await cli(["rollback", "child", "--run-id", "undo", ...base], shellB);
    expect(rollback.stderr).toBe("");
    expect(rollback.code).toBe(0);
    expect(h.sim.attributesOf("i", "flaky")).toEqual({ note: "" });
    expect(h.sim.stats().requests).toBeGreaterThan(aBeforeRollback);
    expect(b.sim.stats().requests).toBe(0);
    expect(existsSync(join(reports, "undo", "outcomes.csv"))).toBe(true);
  });
});
