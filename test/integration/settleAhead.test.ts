import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { queueOfManifest } from "../../src/queue/RunQueues.js";
import { cli, csv, harness, killBackground, readReport, startCli, targetFlags, until, type Harness } from "./helpers.js";
import { cliLoading } from "./loadedPackages.js";

// A job that sends only what changed: its producer settles, ahead of the queue, every contact that needs no
// call, so an unchanged night never travels through the queue and a worker.

let h: Harness | undefined;
afterEach(async () => {
  killBackground();
  await h?.close();
  h = undefined;
});

/** `n` contacts, one row each, chunked by 100: contacts `changed` says get a new tier. */
function exportOf(n: number, changed: (i: number) => boolean = () => false): string {
  const lines = [["contactId", "tier", "owner"]];
  for (let i = 0; i < n; i++) lines.push([`s${i}`, changed(i) ? "platinum" : "gold", `agent${i % 7}`]);
  return csv(lines);
}

/** Chunks of the run still in its queue (waiting, active, delayed). */
async function queuedChunks(x: Harness, runId: string): Promise<number> {
  const ctx = await x.ctx();
  try {
    const manifest = await ctx.store.manifest(runId);
    if (!manifest) throw new Error(`run ${runId} not found`);
    const counts = await ctx.queues.named(queueOfManifest(manifest)).getJobCounts("waiting", "active", "delayed", "prioritized");
    return Object.values(counts).reduce((a, b) => a + b, 0);
  } finally {
    await ctx.close();
  }
}

describe("an only-changed job's producer settles what needs no call", () => {
  it("an unchanged night: enqueue alone, no worker running, gives every row its outcome and queues nothing; a changed night queues only the chunks with a change", async () => {
    h = await harness({ latencyMs: 1 });
    const args = [...targetFlags(h), "--job-name", "ahead", "--only-changed", "--chunk-size", "100"];
    const reports = ["--reports-dir", join(h.dir, "reports"), "--rate", "500", "--quiet"];
    const night = await h.file("night.csv", exportOf(1000));
    expect((await cli(["run", night, ...args, ...reports, "--run-id", "a1"])).code).toBe(0);
    expect(h.sim.acceptedCount()).toBe(1000);

    // Night 2, nothing changed: the producer alone settles all 1,000 rows (before, 10 chunks waited for a worker).
    const e2 = await cli(["enqueue", night, ...args, "--run-id", "a2", "--log-level", "error"]);
    expect(e2.code, e2.stderr).toBe(0);
    const ctx = await h.ctx();
    try {
      const p2 = await ctx.store.progress("a2");
      expect(p2?.counts.unchanged).toBe(1000);
      expect(p2?.complete).toBe(true);
    } finally {
      await ctx.close();
    }
    expect(await queuedChunks(h, "a2")).toBe(0);
    expect(h.sim.acceptedCount()).toBe(1000);

    // Night 3: s7 and s507 changed. Only their two chunks are queued; a worker sends exactly those two rows.
    const changed = await h.file(
      "night3.csv",
      exportOf(1000, (i) => i === 7 || i === 507),
    );
    const e3 = await cli(["enqueue", changed, ...args, "--run-id", "a3", "--log-level", "error"]);
    expect(e3.code, e3.stderr).toBe(0);
    expect(await queuedChunks(h, "a3")).toBe(2);
    const r3 = await cli(["run", changed, ...args, ...reports, "--run-id", "a3"]);
    expect(r3.code, r3.stderr).toBe(0);
    const outcomes = await readReport(join(h.dir, "reports", "a3", "outcomes.csv"));
    expect(outcomes).toHaveLength(1000);
    expect(new Set(outcomes.map((o) => o.line)).size).toBe(1000);
    expect(outcomes.filter((o) => o.status === "updated").map((o) => o.contactId)).toEqual(["s7", "s507"]);
    expect(outcomes.filter((o) => o.status === "unchanged")).toHaveLength(998);
    expect(h.sim.acceptedCount()).toBe(1002);
    expect(h.sim.attributesOf("i", "s507")?.tier).toBe("platinum");
  }, 120_000);

  it("`run` of an unchanged night starts no worker (BullMQ is never loaded); a night with a change starts one for its chunk alone", async () => {
    h = await harness({ latencyMs: 1 });
    const args = [
      ...targetFlags(h),
      "--job-name",
      "lazy",
      "--only-changed",
      "--chunk-size",
      "100",
      "--reports-dir",
      join(h.dir, "reports"),
      "--rate",
      "500",
      "--quiet",
    ];
    const night = await h.file("night.csv", exportOf(500));
    const first = await cliLoading(["run", night, ...args, "--run-id", "w1"]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.packages).toContain("bullmq");
    // Its worker made its Connect client: the AWS SDK is loaded in the main thread when there is a call to make.
    expect(first.packages).toContain("@aws-sdk/client-connect");
    expect(h.sim.acceptedCount()).toBe(500);

    const same = await cliLoading(["run", night, ...args, "--run-id", "w2"]);
    expect(same.code, same.stderr).toBe(0);
    expect(same.packages).not.toContain("bullmq");
    // Nor the AWS SDK: the target was checked in a thread of its own (checkAhead.ts), and no worker made a client.
    expect(same.packages).not.toContain("@aws-sdk/client-connect");
    const unchanged = await readReport(join(h.dir, "reports", "w2", "outcomes.csv"));
    expect(unchanged.map((o) => `${o.line}:${o.status}`)).toEqual(Array.from({ length: 500 }, (_, i) => `${i + 2}:unchanged`));
    expect(h.sim.acceptedCount()).toBe(500);

    // One contact changed: its chunk goes to the queue, and the worker started then sends exactly that row.
    const changed = await h.file(
      "changed.csv",
      exportOf(500, (i) => i === 321),
    );
    const third = await cliLoading(["run", changed, ...args, "--run-id", "w3"]);
    expect(third.code, third.stderr).toBe(0);
    expect(third.packages).toContain("bullmq");
    expect(third.packages).toContain("@aws-sdk/client-connect");
    expect(h.sim.acceptedCount()).toBe(501);
    expect(h.sim.attributesOf("i", "s321")?.tier).toBe("platinum");
    const outcomes = await readReport(join(h.dir, "reports", "w3", "outcomes.csv"));
    expect(outcomes.map((o) => `${o.line}:${o.status}`)).toEqual(Array.from({ length: 500 }, (_, i) => `${i + 2}:${i === 321 ? "updated" : "unchanged"}`));
  }, 120_000);

  it("a producer killed while it settles an unchanged night goes on with the same command: every row one outcome, nothing sent", async () => {
    h = await harness({ latencyMs: 1 });
    const args = [...targetFlags(h), "--job-name", "killed-ahead", "--only-changed", "--chunk-size", "100"];
    const reports = ["--reports-dir", join(h.dir, "reports"), "--rate", "1000", "--quiet"];
    // A contact listed twice far apart too: its rows are settled together, in the chunk of its last line.
    const lines = [["contactId", "tier"]];
    for (let i = 0; i < 1500; i++) lines.push([`t${i}`, "silver"]);
    for (let i = 0; i < 500; i++) lines.push([`t${i}`, "gold"]);
    const file = await h.file("n.csv", csv(lines));
    expect((await cli(["run", file, ...args, ...reports, "--run-id", "k0"])).code).toBe(0);
    expect(h.sim.acceptedCount()).toBe(1500);

    // No report writer: at 600 outcomes in Redis (twice --queue-window) the producer waits, and is killed there.
    const producer = startCli(["enqueue", file, ...args, "--queue-window", "300", "--run-id", "k1", "--log-level", "error"]);
    const ctx = await h.ctx();
    try {
      await until(async () => ((await ctx.store.progress("k1"))?.counts.unchanged ?? 0) >= 600);
      producer.child.kill("SIGKILL");
      await producer.exited;
      expect((await ctx.store.progress("k1"))?.complete).toBe(false);
    } finally {
      await ctx.close();
    }
    const r = await cli(["run", file, ...args, ...reports, "--run-id", "k1"]);
    expect(r.code, r.stderr).toBe(0);
    const outcomes = await readReport(join(h.dir, "reports", "k1", "outcomes.csv"));
    expect(outcomes).toHaveLength(2000);
    expect(new Set(outcomes.map((o) => o.line)).size).toBe(2000);
    expect(outcomes.every((o) => o.status === "unchanged")).toBe(true);
    expect(h.sim.acceptedCount()).toBe(1500);
    expect(h.sim.attributesOf("i", "t3")).toEqual({ tier: "gold" });
  }, 120_000);
});
