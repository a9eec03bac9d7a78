import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { AcceptedUpdate } from "../../src/simulator/index.js";
import { cli, csv, harnessPerTest, killBackground, readReport, startCli, until } from "./helpers.js";

// A run made with --rate keeps it: a worker already running on the prefix at another rate (a Deployment's), the
// hint's `run --run-id` and a retry all send its rows at the run's rate, every worker together.

const fresh = harnessPerTest();
afterEach(() => killBackground());

/** Most calls accepted in any one-second window, and the span from the first to the last (s). */
function pace(updates: readonly AcceptedUpdate[]): { perSecond: number; spanS: number } {
  const at = updates.map((u) => u.at).sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < at.length; i++) {
    while ((at[i] as number) - (at[j] as number) >= 1000) j++;
    most = Math.max(most, i - j + 1);
  }
  return { perSecond: most, spanS: ((at[at.length - 1] as number) - (at[0] as number)) / 1000 };
}

describe("a run's own --rate", () => {
  it("a work process at --rate 40 sends a run made at --rate 4 at 4/s; a --rate that disagrees is refused; its retry keeps 4/s", async () => {
    const h = await fresh({ latencyMs: 1 });
    const aim = ["--prefix", h.prefix, "--endpoint", h.endpoint, "--instance-id", "i", "--reports-dir", join(h.dir, "reports")];
    startCli(["work", "--prefix", h.prefix, "--endpoint", h.endpoint, "--rate", "40", "--concurrency", "8"]);
    const rows = Array.from({ length: 24 }, (_, i) => [`r${i}`, "gold"]);
    for (const [c] of rows.slice(0, 8)) h.sim.injectFaults(c as string, ["ConflictException"]);
    const file = await h.file("slow.csv", csv([["contactId", "tier"], ...rows]));
    const queued = await cli(["enqueue", file, ...aim, "--rate", "4", "--run-id", "slow", "--chunk-size", "4"]);
    expect(queued.code, queued.stderr).toBe(0);
    await until(async () => (await cli(["status", "slow", "--prefix", h.prefix, "--json"])).stdout.includes('"state": "finished"'), 60_000);
    const first = pace(h.sim.updates());
    expect(h.sim.acceptedCount()).toBe(16);
    // 16 calls that went through plus 8 refused: 24 at 4/s take about 6 s (at the worker's 40/s, 0.6 s).
    expect(first.spanS).toBeGreaterThan((16 - 1) / 4 - 1.5);
    expect(first.perSecond).toBeLessThanOrEqual(5);

    // The same run with another rate: refused, nothing sent.
    const other = await cli(["run", file, ...aim, "--run-id", "slow", "--rate", "20"]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/--rate 20 disagrees with run slow, which holds rate 4/);
    const work = await cli(["work", "--run-id", "slow", "--prefix", h.prefix, "--endpoint", h.endpoint, "--rate", "20", "--exit-when-idle"]);
    expect(work.code).toBe(2);
    expect(work.stderr).toMatch(/--rate 20 disagrees with run slow/);
    // What work sizes for itself is its own: --chunk-size is not the run's to refuse.
    const sized = await cli(["work", "--run-id", "slow", "--prefix", h.prefix, "--endpoint", h.endpoint, "--chunk-size", "7", "--exit-when-idle"]);
    expect(sized.code, sized.stderr).toBe(0);

    // The retry of its 8 failed rows (their fault is spent): at the parent's 4/s, whatever the worker's 40.
    const from = h.sim.acceptedCount();
    const retry = await cli([
      "retry",
      "slow",
      "--include-permanent",
      "--run-id",
      "slow-retry",
      "--prefix",
      h.prefix,
      "--reports-dir",
      join(h.dir, "reports"),
      "--quiet",
    ]);
    expect(retry.code, retry.stderr).toBe(0);
    const again = pace(h.sim.updates(from));
    expect(h.sim.acceptedCount() - from).toBe(8);
    expect(again.spanS).toBeGreaterThan((8 - 1) / 4 - 1);
    expect(again.perSecond).toBeLessThanOrEqual(5);
    expect((await readReport(join(h.dir, "reports", "slow-retry", "outcomes.csv"))).every((o) => o.status === "updated")).toBe(true);
  }, 120_000);

  it("a worker whose own governor starts slower than the run's rate banks no turns: the run's calls never come faster than its rate", async () => {
    const h = await fresh({ latencyMs: 1 });
    const file = await h.file("steady.csv", csv([["contactId", "tier"], ...Array.from({ length: 30 }, (_, i) => [`s${i}`, "gold"])]));
    const aim = ["--prefix", h.prefix, "--endpoint", h.endpoint];
    expect((await cli(["enqueue", file, ...aim, "--instance-id", "i", "--rate", "5", "--run-id", "steady", "--chunk-size", "30"])).code).toBe(0);
    // Its own rate not given: its governor starts at an eighth of the account's and climbs past the run's 5/s.
    const work = await cli(["work", ...aim, "--exit-when-idle"]);
    expect(work.code, work.stderr).toBe(0);
    expect(h.sim.acceptedCount()).toBe(30);
    expect(pace(h.sim.updates()).perSecond).toBeLessThanOrEqual(6);
  }, 60_000);
});
