import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, csv, harnessPerTest, readReport, REDIS_URL, ROOT, until } from "./helpers.js";

const fresh = harnessPerTest();

describe("cancel with a live worker whose calls wait for their turn", () => {
  it("sends none of them once it knows: the rows not yet sent are cancelled, not sent after the cancel", async () => {
    const x = await fresh({ latencyMs: 1 });
    const file = await x.file("f.csv", csv([["contactId", "a"], ...Array.from({ length: 12 }, (_, i) => [`w${i}`, "B"])]));
    const aim = ["--prefix", x.prefix, "--endpoint", x.endpoint];
    expect((await cli(["enqueue", file, "--run-id", "c1", "--instance-id", "i", ...aim])).code).toBe(0);
    // One call a second: the chunk's other calls wait for their turn in the worker.
    const worker = spawn(process.execPath, [join(ROOT, "bin/connect-backfill.js"), "work", "--run-id", "c1", "--rate", "1", "--exit-when-idle", ...aim], {
      env: { ...process.env, REDIS_URL },
      stdio: "ignore",
    });
    const exited = new Promise((r) => worker.on("exit", r));
    await until(() => x.sim.acceptedCount() >= 2);
    const ctx = await x.ctx();
    const cancelling = cli(["cancel", "c1", "--prefix", x.prefix, "--reports-dir", join(x.dir, "reports")]);
    // Counted from the moment the run is marked cancelled (a loaded machine starts the command late).
    await until(async () => (await ctx.store.state("c1")).state === "cancelled");
    const atCancel = x.sim.acceptedCount();
    const cancelled = await cancelling;
    await exited;
    // At most the call that had its turn as the cancel came, and the one whose outcome told the worker.
    expect(x.sim.acceptedCount() - atCancel).toBeLessThanOrEqual(2);
    expect(cancelled.code, cancelled.stderr).not.toBe(1);
    const out = await readReport(join(x.dir, "reports", "c1", "outcomes.csv"));
    expect(out).toHaveLength(12);
    expect(out.filter((o) => o.status === "updated")).toHaveLength(x.sim.acceptedCount());
    expect(out.filter((o) => o.status === "cancelled").length).toBeGreaterThanOrEqual(12 - x.sim.acceptedCount());
  });
});
