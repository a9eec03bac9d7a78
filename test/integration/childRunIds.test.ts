import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { breakerOf } from "../../src/domain/breaker.js";
import type { Outcome } from "../../src/domain/Outcome.js";
import type { RunManifest } from "../../src/domain/run/manifest.js";
import { enqueueRetry } from "../../src/queue/enqueueRetry.js";
import { cli, csv, type Harness, harness, readReport } from "./helpers.js";

/** Two targets on one prefix: run P's calls go to A, run Q is queued (not worked) for B. */
describe("retry and rollback with the --run-id of another run", () => {
  let a: Harness;
  let b: Harness;
  afterEach(async () => {
    await a?.close();
    await b?.sim.stop();
  });

  it("are refused before anything is written: the other run keeps its rows and target, and B receives nothing", async () => {
    a = await harness();
    b = await harness();
    const aim = (h: Harness, inst: string) => ["--prefix", a.prefix, "--endpoint", h.endpoint, "--instance-id", inst, "--reports-dir", join(a.dir, "reports")];
    for (const c of ["z1", "z2"])
      a.sim.addContact({ instanceId: "instA", contactId: c, initiationTimestamp: new Date(Date.now() - 3600_000), attributes: { tier: "silver" } });
    a.sim.injectFaults("z2", [500]);
    const p = await a.file(
      "p.csv",
      csv([
        ["contactId", "tier"],
        ["z1", "gold"],
        ["z2", "gold"],
      ]),
    );
    const ran = await cli(["run", p, "--run-id", "P", "--max-attempts", "1", "--capture-before", "--quiet", ...aim(a, "instA")]);
    expect(ran.code, ran.stderr).toBe(3);
    const q = await a.file("q.csv", csv([["contactId", "tier"], ...Array.from({ length: 20 }, (_, i) => [`q${i}`, "x"])]));
    const queued = await cli(["enqueue", q, "--run-id", "Q", ...aim(b, "instB")]);
    expect(queued.code, queued.stderr).toBe(0);

    const retry = await cli(["retry", "P", "--run-id", "Q", "--prefix", a.prefix, "--reports-dir", join(a.dir, "reports")]);
    expect(retry.code).toBe(1);
    expect(retry.stderr).toContain("run Q already exists and is not a retry of run P");
    const rollback = await cli(["rollback", "P", "--run-id", "Q", "--prefix", a.prefix, "--reports-dir", join(a.dir, "reports")]);
    expect(rollback.code, rollback.stderr + rollback.stdout).toBe(1);
    expect(rollback.stderr).toContain("run Q already exists and is not a rollback of run P");
    expect(existsSync(join(a.dir, "reports", "Q", "rollback-input.jsonl"))).toBe(false);

    // Q is as it was queued: its 20 rows, for B, where a worker sends them.
    const status = await cli(["status", "Q", "--prefix", a.prefix]);
    expect(status.stdout).toMatch(/20/);
    expect(b.sim.acceptedCount()).toBe(0);
    const worked = await cli(["work", "--run-id", "Q", "--exit-when-idle", "--prefix", a.prefix, "--endpoint", b.endpoint]);
    expect(worked.code, worked.stderr).toBe(0);
    expect(
      b.sim
        .updates()
        .map((u) => u.contactId)
        .sort(),
    ).toEqual(Array.from({ length: 20 }, (_, i) => `q${i}`).sort());
    expect(b.sim.updates().some((u) => u.contactId.startsWith("z"))).toBe(false);

    // A retry's own id is taken up again (a retry going on after a crash), not refused.
    const r1 = await cli(["retry", "P", "--run-id", "R", "--quiet", "--prefix", a.prefix, "--reports-dir", join(a.dir, "reports")]);
    expect(r1.code, r1.stderr).toBe(0);
    const r2 = await cli(["retry", "P", "--run-id", "R", "--quiet", "--prefix", a.prefix, "--reports-dir", join(a.dir, "reports")]);
    expect(r2.code, r2.stderr).toBe(0);
    expect(a.sim.updates().filter((u) => u.contactId === "z2")).toHaveLength(1);
  });

  it("a retry that finds its --run-id made meanwhile by another parent's retry (two commands at once) refuses it", async () => {
    a = await harness();
    b = await harness();
    const file = await a.file(
      "p.csv",
      csv([
        ["contactId", "tier"],
        ["z1", "gold"],
      ]),
    );
    const aim = ["--prefix", a.prefix, "--endpoint", a.endpoint, "--instance-id", "i", "--reports-dir", join(a.dir, "reports")];
    for (const id of ["P3", "P4"]) expect((await cli(["run", file, "--run-id", id, "--quiet", ...aim])).code).toBe(0);
    const ctx = await a.ctx();
    const p3 = (await ctx.store.manifest("P3")) as RunManifest;
    const p4 = (await ctx.store.manifest("P4")) as RunManifest;
    const failed = (m: RunManifest): Outcome => ({
      line: 2,
      contactId: "z1",
      instanceId: "i",
      status: "failed",
      errorCode: "InternalServiceException",
      httpStatus: 500,
      message: "",
      attempts: 1,
      throttles: 0,
      finishedAt: m.createdAt,
      original: { fields: ["z1", "gold"] },
      retryable: true,
    });
    const retryOf = (parent: RunManifest) =>
      enqueueRetry(ctx.store, ctx.queues, {
        parent,
        outcomes: [failed(parent)],
        includePermanent: false,
        runId: "RACE",
        chunkSize: 10,
        breaker: breakerOf(parent),
        maxContactAge: parent.maxContactAge,
        target: parent.target,
      });
    expect((await retryOf(p4)).rows).toBe(1);
    await expect(retryOf(p3)).rejects.toThrow("run RACE already exists and is not a retry of run P3");
    // P4's own retry goes on with it.
    const again = await retryOf(p4);
    expect(again.alreadyQueued || again.resumed).toBe(true);
  });

  it("two rollbacks of two runs given one --run-id at once: the run made sends only its own parent's rows, the other command is refused", async () => {
    a = await harness();
    const reports = join(a.dir, "reports");
    const aim = ["--prefix", a.prefix, "--endpoint", a.endpoint, "--instance-id", "i", "--reports-dir", reports];
    const started = new Date(Date.now() - 3600_000);
    const of = (p: string) => Array.from({ length: 10 }, (_, i) => `${p}${i}`);
    for (const c of [...of("z"), ...of("y")]) a.sim.addContact({ instanceId: "i", contactId: c, initiationTimestamp: started, attributes: { tier: "silver" } });
    for (const [id, p] of [
      ["P", "z"],
      ["Q", "y"],
    ] as const) {
      const file = await a.file(`${id}.csv`, csv([["contactId", "tier"], ...of(p).map((c) => [c, "gold"])]));
      const ran = await cli(["run", file, "--run-id", id, "--capture-before", "--quiet", ...aim]);
      expect(ran.code, ran.stderr).toBe(0);
    }
    // Both commands at once, one a moment after the other (each way round): the later one's rows must not take
    // the place of the earlier one's, whichever makes the run.
    for (const [round, [first, second, gapMs]] of (
      [
        ["P", "Q", 0],
        ["Q", "P", 150],
        ["P", "Q", 300],
        ["Q", "P", 450],
      ] as const
    ).entries()) {
      const runId = `R${round}`;
      const one = cli(["rollback", first, "--run-id", runId, "--force", "--quiet", ...aim]);
      await new Promise((r) => setTimeout(r, gapMs));
      const two = cli(["rollback", second, "--run-id", runId, "--force", "--quiet", ...aim]);
      const codes = [(await one).code, (await two).code].sort();
      expect(codes, `round ${round}`).toEqual([0, 1]);
      const ctx = await a.ctx();
      const parent = (await ctx.store.manifest(runId))?.rollbackOf;
      await ctx.close();
      const contacts = (await readReport(join(reports, runId, "outcomes.csv"))).map((o) => o.contactId).sort();
      expect(contacts, `round ${round}: run ${runId} is a rollback of ${parent}`).toEqual(of(parent === "P" ? "z" : "y").sort());
      const input = readFileSync(join(reports, runId, "rollback-input.jsonl"), "utf8")
        .trim()
        .split("\n");
      expect(input.map((l) => (JSON.parse(l) as { contactId: string }).contactId).sort()).toEqual(contacts);
    }
  });
});
