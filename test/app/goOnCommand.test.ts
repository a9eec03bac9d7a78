import { describe, expect, it } from "vitest";
import { goOnCommand, goOnSource } from "../../src/app/status.js";
import type { RunManifest } from "../../src/domain/run/manifest.js";

// Only the fields the suggestion reads: a run's id, its input and its job.
const runOf = (input: string, job?: string) => ({ runId: "r1", input, ...(job ? { job: { name: job, onlyChanged: true } } : {}) }) as unknown as RunManifest;

describe("the command suggested to queue the rest of a run", () => {
  it("names the run's own input; a job's file is optional (a night started with --job-name has none, and goes on without one)", () => {
    expect(goOnSource(runOf("/data/x.csv"))).toBe("/data/x.csv");
    expect(goOnSource(runOf("/data/x.csv", "crm"))).toBe("[job crm's job file, if it had one] /data/x.csv");
    expect(goOnSource(runOf("-"))).toBe("<the same input>");
    expect(goOnCommand(runOf("/data/x.csv", "crm"))).toBe(
      `"connect-backfill run [job crm's job file, if it had one] /data/x.csv --run-id r1" (or "connect-backfill enqueue [job crm's job file, if it had one] /data/x.csv --run-id r1" beside your workers)`,
    );
  });
});
