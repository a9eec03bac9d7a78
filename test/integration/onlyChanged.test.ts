import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConnectSimulator } from "../../src/simulator/index.js";
import { cli, csv, harness, killBackground, readReport, startCli, targetFlags, until, type Harness } from "./helpers.js";

// Change detection end to end: the second night of an export sends only what changed.

let h: Harness | undefined;
afterEach(async () => {
  killBackground();
  await h?.close();
  h = undefined;
});

function exportOf(n: number, changed: (i: number) => boolean = () => false): string {
  const lines = [["contactId", "tier", "owner"]];
  for (let i = 0; i < n; i++) lines.push([`k${i}`, changed(i) ? "platinum" : "gold", `agent${i % 7}`]);
  return csv(lines);
}

type Cell = (i: number, later: boolean) => string;

/** 2,000 rows: 1,500 contacts, the first 500 of them again at the end (by default silver first, then gold). */
function twiceApart(id: string, tier: Cell = (_i, later) => (later ? "gold" : "silver"), owner?: Cell): string {
  const row = (i: number, later: boolean) => [`${id}${i}`, tier(i, later), ...(owner ? [owner(i, later)] : [])];
  const lines = [["contactId", "tier", ...(owner ? ["owner"] : [])]];
  for (let i = 0; i < 1500; i++) lines.push(row(i, false));
  for (let i = 0; i < 500; i++) lines.push(row(i, true));
  return csv(lines);
}

describe("--only-changed (a job's memory of what it sent)", () => {
  it("night 2 sends nothing for an unchanged export, then only the changed rows; a failed row is sent again; --forget sends all", async () => {
    h = await harness({ latencyMs: 1 });
    const common = ["--instance-id", "i", "--prefix", h.prefix, "--endpoint", h.endpoint, "--reports-dir", join(h.dir, "reports"), "--rate", "500", "--quiet"];
    const job = ["--job-name", "nightly", "--only-changed"];
    const night1 = await h.file("night1.csv", exportOf(300));
    // One row fails on night 1 (its call answers 409 ConflictException): it must be sent again on night 2.
    h.sim.injectFaults("k5", ["ConflictException"]);
    expect((await cli(["run", night1, ...common, ...job, "--run-id", "n1"])).code).toBe(3);
    expect(h.sim.acceptedCount()).toBe(299);

    const night2 = await h.file("night2.csv", exportOf(300));
    const r2 = await cli(["run", night2, ...common, ...job, "--run-id", "n2"]);
    expect(r2.code, r2.stderr).toBe(0);
    // Only k5 was sent again.
    expect(h.sim.acceptedCount()).toBe(300);
    const out2 = await readReport(join(h.dir, "reports", "n2", "outcomes.csv"));
    // Every line once, in order, its own contact: the settled rows' groups and the sent row's outcome came apart.
    expect(out2.map((o) => `${o.line}:${o.contactId}`)).toEqual(Array.from({ length: 300 }, (_, i) => `${i + 2}:k${i}`));
    expect(out2.filter((o) => o.status === "unchanged")).toHaveLength(299);
    expect(out2.filter((o) => o.status === "updated").map((o) => o.contactId)).toEqual(["k5"]);
    expect(out2.find((o) => o.status === "unchanged")?.message).toMatch(/^line \d+: not sent: the same values as job nightly last sent to this contact$/);

    // 1% changed: exactly those are sent, and the contacts hold the new values.
    const night3 = await h.file(
      "night3.csv",
      exportOf(300, (i) => i % 100 === 7),
    );
    expect((await cli(["run", night3, ...common, ...job, "--run-id", "n3"])).code).toBe(0);
    expect(h.sim.acceptedCount()).toBe(303);
    for (const i of [7, 107, 207]) expect(h.sim.attributesOf("i", `k${i}`)?.tier).toBe("platinum");
    const out3 = await readReport(join(h.dir, "reports", "n3", "outcomes.csv"));
    expect(out3.map((o) => `${o.line}:${o.contactId}:${o.status}`)).toEqual(
      Array.from({ length: 300 }, (_, i) => `${i + 2}:k${i}:${i % 100 === 7 ? "updated" : "unchanged"}`),
    );

    // Another job (or no job) has no memory of these: everything is sent.
    expect((await cli(["run", night3, ...common, "--run-id", "plain"])).code).toBe(0);
    expect(h.sim.acceptedCount()).toBe(603);
    // --forget: the job sends all again, and remembers from there.
    expect((await cli(["run", night3, ...common, ...job, "--forget", "--run-id", "n4"])).code).toBe(0);
    expect(h.sim.acceptedCount()).toBe(903);
    const status = await cli(["status", "n4", "--prefix", h.prefix]);
    expect(status.stdout).toMatch(/updated 300/);
  });

  it("a night aimed at another endpoint sends every row there: what the job sent through one endpoint says nothing of another's contacts", async () => {
    h = await harness({ latencyMs: 1 });
    const other = new ConnectSimulator({ autoCreate: true, latencyMs: 1 });
    const { endpoint: otherEndpoint } = await other.start();
    try {
      const common = ["--instance-id", "i", "--prefix", h.prefix, "--reports-dir", join(h.dir, "reports"), "--rate", "500", "--quiet"];
      const job = ["--job-name", "moved", "--only-changed"];
      const file = await h.file("night.csv", exportOf(50));
      expect((await cli(["run", file, ...common, ...job, "--endpoint", h.endpoint, "--run-id", "first"])).code).toBe(0);
      expect(h.sim.acceptedCount()).toBe(50);
      // The same job, the same instance id, another endpoint: its contacts hold nothing yet.
      const moved = await cli(["run", file, ...common, ...job, "--endpoint", otherEndpoint, "--run-id", "moved"]);
      expect(moved.code, moved.stderr).toBe(0);
      expect(other.acceptedCount()).toBe(50);
      for (let i = 0; i < 50; i++) expect(other.attributesOf("i", `k${i}`)).toEqual({ tier: "gold", owner: `agent${i % 7}` });
      // Each endpoint's memory is its own from there: an unchanged night sends nothing to either.
      expect((await cli(["run", file, ...common, ...job, "--endpoint", otherEndpoint, "--run-id", "again-other"])).code).toBe(0);
      expect((await cli(["run", file, ...common, ...job, "--endpoint", h.endpoint, "--run-id", "again-first"])).code).toBe(0);
      expect([h.sim.acceptedCount(), other.acceptedCount()]).toEqual([50, 50]);
    } finally {
      await other.stop();
    }
  });

  it("a contact with several rows: its rows folded in file order are compared with what the job left on it; the contact ends in file order", async () => {
    h = await harness({ latencyMs: 1 });
    const common = [
      "--instance-id",
      "i",
      "--prefix",
      h.prefix,
      "--endpoint",
      h.endpoint,
      "--reports-dir",
      join(h.dir, "reports"),
      "--quiet",
      "--job-name",
      "dups",
      "--only-changed",
    ];
    const rows = csv([
      ["contactId", "tier"],
      ["d1", "a"],
      ["d2", "x"],
      ["d1", "b"],
    ]);
    expect((await cli(["run", await h.file("d1.csv", rows), ...common, "--run-id", "d1"])).code).toBe(0);
    expect((await cli(["run", await h.file("d2.csv", rows), ...common, "--run-id", "d2"])).code).toBe(0);
    const out = await readReport(join(h.dir, "reports", "d2", "outcomes.csv"));
    // d1's rows fold to "b", what the job left on it: nothing is sent (its older row "a" is never written back).
    expect(out.map((o) => [o.line, o.status])).toEqual([
      ["2", "unchanged"],
      ["3", "unchanged"],
      ["4", "unchanged"],
    ]);
    expect(h.sim.attributesOf("i", "d1")?.tier).toBe("b");
    // Night 3 holds only d1's first row: it is not what the contact last got ("b"), so it is sent.
    expect(
      (
        await cli([
          "run",
          await h.file(
            "d3.csv",
            csv([
              ["contactId", "tier"],
              ["d1", "a"],
            ]),
          ),
          ...common,
          "--run-id",
          "d3",
        ])
      ).code,
    ).toBe(0);
    expect((await readReport(join(h.dir, "reports", "d3", "outcomes.csv"))).map((o) => o.status)).toEqual(["updated"]);
    expect(h.sim.attributesOf("i", "d1")?.tier).toBe("a");
  });

  it("an unchanged export whose contacts appear twice sends nothing; a changed night sends exactly the changed contacts, each call with the file's last values", async () => {
    h = await harness({ latencyMs: 1 });
    const common = ["--instance-id", "i", "--prefix", h.prefix, "--endpoint", h.endpoint, "--reports-dir", join(h.dir, "reports"), "--rate", "500", "--quiet"];
    // A contact's rows in one chunk (the chunk holds the whole file): see README, "Send only what changed".
    const job = ["--job-name", "twice", "--only-changed", "--chunk-size", "2000"];
    /** 2,000 rows: 1,500 contacts, the first 500 of them twice (different tier, same owner), far apart in the file. */
    const night = (changed: (i: number) => boolean = () => false) => {
      const lines = [["contactId", "tier", "owner"]];
      for (let i = 0; i < 1500; i++) lines.push([`r${i}`, "silver", `agent${i % 7}`]);
      for (let i = 0; i < 500; i++) lines.push([`r${i}`, changed(i) ? "platinum" : "gold", `agent${i % 7}`]);
      return csv(lines);
    };
    expect((await cli(["run", await h.file("n1.csv", night()), ...common, ...job, "--run-id", "t1"])).code).toBe(0);
    const afterNight1 = h.sim.acceptedCount();
    expect(afterNight1).toBe(1500); // a contact's two rows go in one folded call
    expect(h.sim.attributesOf("i", "r7")).toEqual({ tier: "gold", owner: "agent0" });

    const r2 = await cli(["run", await h.file("n2.csv", night()), ...common, ...job, "--run-id", "t2"]);
    expect(r2.code, r2.stderr).toBe(0);
    expect(h.sim.acceptedCount()).toBe(afterNight1);
    expect((await readReport(join(h.dir, "reports", "t2", "outcomes.csv"))).every((o) => o.status === "unchanged")).toBe(true);

    // Night 3: five twice-listed contacts change their later row.
    const changed = new Set([3, 40, 41, 250, 499]);
    expect(
      (
        await cli([
          "run",
          await h.file(
            "n3.csv",
            night((i) => changed.has(i)),
          ),
          ...common,
          ...job,
          "--run-id",
          "t3",
        ])
      ).code,
    ).toBe(0);
    const sent = h.sim.updates(afterNight1);
    expect(sent.map((u) => u.contactId).sort()).toEqual([...changed].map((i) => `r${i}`).sort());
    // Each call carries the contact's last values: the older "silver" is never written back.
    for (const u of sent) expect(u.attributes.tier).toBe("platinum");
    for (const i of changed) expect(h.sim.attributesOf("i", `r${i}`)?.tier).toBe("platinum");
    expect(h.sim.attributesOf("i", "r4")?.tier).toBe("gold");
  }, 180_000);

  it("a contact's rows in different chunks: all go into one chunk, so an unchanged night sends nothing and a change never writes an older value back", async () => {
    h = await harness({ latencyMs: 1 });
    const common = [...targetFlags(h), "--reports-dir", join(h.dir, "reports"), "--rate", "500", "--quiet"];
    // Chunks of 100 rows: a contact's first row (line i + 2) and its second (line 1502 + i) are 15 chunks apart.
    const job = ["--job-name", "apart", "--only-changed", "--chunk-size", "100"];
    // Its later row: "platinum" where changed, and a9's owner only there.
    const night = (changed: (i: number) => boolean = () => false) =>
      twiceApart(
        "a",
        (i, later) => (!later ? "silver" : changed(i) ? "platinum" : "gold"),
        (i, later) => (later && i === 9 ? "agent-x" : `agent${i % 7}`),
      );
    const r1 = await cli(["run", await h.file("n1.csv", night()), ...common, ...job, "--run-id", "p1"]);
    expect(r1.code, r1.stderr).toBe(0);
    expect(h.sim.acceptedCount()).toBe(1500); // each contact's rows folded into one call, across chunks
    expect(h.sim.attributesOf("i", "a7")).toEqual({ tier: "gold", owner: "agent0" });
    expect(h.sim.attributesOf("i", "a9")).toEqual({ tier: "gold", owner: "agent-x" });
    expect(h.sim.attributesOf("i", "a700")).toEqual({ tier: "silver", owner: "agent0" });
    const o1 = await readReport(join(h.dir, "reports", "p1", "outcomes.csv"));
    expect(o1.length).toBe(2000);
    expect(new Set(o1.map((o) => o.line)).size).toBe(2000);

    const r2 = await cli(["run", await h.file("n2.csv", night()), ...common, ...job, "--run-id", "p2"]);
    expect(r2.code, r2.stderr).toBe(0);
    expect(h.sim.acceptedCount()).toBe(1500); // an identical night: 0 calls
    const o2 = await readReport(join(h.dir, "reports", "p2", "outcomes.csv"));
    expect(o2.length).toBe(2000);
    expect(o2.every((o) => o.status === "unchanged")).toBe(true);

    const changed = new Set([0, 9, 123, 498]);
    const r3 = await cli([
      "run",
      await h.file(
        "n3.csv",
        night((i) => changed.has(i)),
      ),
      ...common,
      ...job,
      "--run-id",
      "p3",
    ]);
    expect(r3.code, r3.stderr).toBe(0);
    const sent = h.sim.updates(1500);
    expect(sent.map((u) => u.contactId).sort()).toEqual([...changed].map((i) => `a${i}`).sort());
    // One call per changed contact, carrying its last values: "silver" is never written back.
    for (const u of sent) expect(u.attributes.tier).toBe("platinum");
    expect(h.sim.attributesOf("i", "a9")).toEqual({ tier: "platinum", owner: "agent-x" });
    expect(h.sim.attributesOf("i", "a10")?.tier).toBe("gold");
  }, 180_000);

  it("a producer killed while it holds rows back goes on with the same command: every row one outcome, each contact one call", async () => {
    h = await harness({ latencyMs: 1 });
    const file = await h.file("n.csv", twiceApart("b"));
    const args = [...targetFlags(h), "--job-name", "killed", "--only-changed", "--chunk-size", "100", "--run-id", "k1"];
    // No worker, a window of 300 rows: the producer queues 2 chunks, waits for room, and is killed there.
    const producer = startCli(["enqueue", file, ...args, "--queue-window", "300", "--log-level", "error"]);
    const ctx = await h.ctx();
    try {
      await until(async () => ((await ctx.store.progress("k1"))?.chunks ?? 0) >= 2);
      producer.child.kill("SIGKILL");
      await producer.exited;
    } finally {
      await ctx.close();
    }
    const r = await cli(["run", file, ...args, "--reports-dir", join(h.dir, "reports"), "--rate", "500", "--quiet"]);
    expect(r.code, r.stderr).toBe(0);
    const outcomes = await readReport(join(h.dir, "reports", "k1", "outcomes.csv"));
    expect(outcomes.length).toBe(2000);
    expect(new Set(outcomes.map((o) => o.line)).size).toBe(2000);
    expect(outcomes.every((o) => o.status === "updated")).toBe(true);
    expect(h.sim.acceptedCount()).toBe(1500);
    expect(h.sim.attributesOf("i", "b3")).toEqual({ tier: "gold" });
    expect(h.sim.attributesOf("i", "b1000")).toEqual({ tier: "silver" });
  }, 120_000);

  it("a cancel while the producer holds rows back settles them too: every row read gets its one outcome", async () => {
    h = await harness({ latencyMs: 1 });
    const file = await h.file("n.csv", twiceApart("c"));
    const args = [...targetFlags(h), "--job-name", "cancelled", "--only-changed", "--chunk-size", "100"];
    // No worker: the producer holds c0..c499 back (their last lines are at the end), queues 2 chunks and waits.
    const producer = startCli(["enqueue", file, ...args, "--queue-window", "300", "--run-id", "cx", "--log-level", "error"]);
    const ctx = await h.ctx();
    try {
      await until(async () => ((await ctx.store.progress("cx"))?.chunks ?? 0) >= 2);
      const c = await cli(["cancel", "cx", "--prefix", h.prefix, "--reports-dir", join(h.dir, "reports")]);
      expect(c.code, c.stderr).not.toBe(2);
      expect(await producer.exited).toBe(0);
      await until(async () => (await ctx.store.progress("cx"))?.complete === true, 10_000);
      const progress = await ctx.store.progress("cx");
      expect(progress?.read).toBeGreaterThan(500);
      expect(progress?.counts.cancelled).toBe(progress?.read);
      expect(h.sim.acceptedCount()).toBe(0);
    } finally {
      await ctx.close();
    }
  }, 60_000);

  it("a run of the job without --only-changed still updates its memory", async () => {
    h = await harness({ latencyMs: 1 });
    const common = ["--instance-id", "i", "--prefix", h.prefix, "--endpoint", h.endpoint, "--reports-dir", join(h.dir, "reports"), "--quiet", "--job-name", "toggle"];
    const silver = await h.file(
      "s.csv",
      csv([
        ["contactId", "tier"],
        ["t1", "silver"],
      ]),
    );
    const gold = await h.file(
      "g.csv",
      csv([
        ["contactId", "tier"],
        ["t1", "gold"],
      ]),
    );
    expect((await cli(["run", silver, ...common, "--only-changed", "--run-id", "t1"])).code).toBe(0);
    expect((await cli(["run", gold, ...common, "--run-id", "t2"])).code).toBe(0);
    expect((await cli(["run", silver, ...common, "--only-changed", "--run-id", "t3"])).code).toBe(0);
    expect((await readReport(join(h.dir, "reports", "t3", "outcomes.csv"))).map((o) => o.status)).toEqual(["updated"]);
    expect(h.sim.attributesOf("i", "t1")?.tier).toBe("silver");
  });

  it("--only-changed without a job is a usage error", async () => {
    h = await harness();
    const f = await h.file("x.csv", exportOf(2));
    const res = await cli(["run", f, "--instance-id", "i", "--prefix", h.prefix, "--only-changed"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--only-changed needs a job/);
  });
});
