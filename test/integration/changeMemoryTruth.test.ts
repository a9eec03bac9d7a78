import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, csv, type Harness, harnessPerTest, startCli, until } from "./helpers.js";

// A job's memory must never say a contact holds what it may not hold: every way a contact comes to hold
// something else than the memory says (an answer that never came, a rollback) leaves the memory not knowing it,
// and rows that are never sent are no part of what it is compared with.

const fresh = harnessPerTest();

const common = (x: Harness) => ["--instance-id", "i", "--prefix", x.prefix, "--endpoint", x.endpoint, "--reports-dir", join(x.dir, "reports"), "--quiet"];
const job = (name: string) => ["--job-name", name, "--only-changed"];

describe("a job's memory of what it sent", () => {
  it("forgets a contact whose call timed out but was applied: putting the old value back the next night sends it", async () => {
    const h = await fresh({ latencyMs: 1 });
    const a = await h.file(
      "a.csv",
      csv([
        ["contactId", "a"],
        ["t1", "A"],
      ]),
    );
    const b = await h.file(
      "b.csv",
      csv([
        ["contactId", "a"],
        ["t1", "B"],
      ]),
    );
    expect((await cli(["run", a, ...common(h), ...job("j1"), "--run-id", "n1"])).code).toBe(0);
    // The service applies the call and answers after the caller gave up.
    h.sim.setLatency(1500);
    const n2 = await cli(["run", b, ...common(h), ...job("j1"), "--run-id", "n2", "--request-timeout", "500", "--max-attempts", "1"]);
    expect(n2.code, n2.stderr).toBe(3);
    expect(h.sim.attributesOf("i", "t1")).toEqual({ a: "B" });
    h.sim.setLatency(1);
    const before = h.sim.acceptedCount();
    expect((await cli(["run", a, ...common(h), ...job("j1"), "--run-id", "n3"])).code).toBe(0);
    expect(h.sim.acceptedCount() - before).toBe(1);
    expect(h.sim.attributesOf("i", "t1")).toEqual({ a: "A" });
  });

  it("compares a contact with what its sendable rows leave: a later row skipped for its age does not make it look changed", async () => {
    const h = await fresh({ latencyMs: 1 });
    const file = await h.file(
      "s.csv",
      csv([
        ["contactId", "initiationTimestamp", "a"],
        ["s1", "", "A1"],
        ["s1", "2017-01-01T00:00:00Z", "A2"],
      ]),
    );
    expect((await cli(["run", file, ...common(h), ...job("j3"), "--run-id", "n1"])).code).toBe(0);
    expect(h.sim.acceptedCount()).toBe(1);
    expect((await cli(["run", file, ...common(h), ...job("j3"), "--run-id", "n2"])).code).toBe(0);
    expect(h.sim.acceptedCount()).toBe(1);
    expect(h.sim.attributesOf("i", "s1")).toEqual({ a: "A1" });
  });

  it("forgets the contacts a rollback of a night writes back: the night after sends them again", async () => {
    const h = await fresh({ latencyMs: 1 });
    h.sim.addContact({ instanceId: "i", contactId: "r1", initiationTimestamp: new Date(Date.now() - 3600_000), attributes: { a: "0" } });
    const a = await h.file(
      "a.csv",
      csv([
        ["contactId", "a"],
        ["r1", "A"],
      ]),
    );
    const b = await h.file(
      "b.csv",
      csv([
        ["contactId", "a"],
        ["r1", "B"],
      ]),
    );
    expect((await cli(["run", a, ...common(h), ...job("j4"), "--run-id", "n1"])).code).toBe(0);
    expect((await cli(["run", b, ...common(h), ...job("j4"), "--run-id", "n2", "--capture-before"])).code).toBe(0);
    const back = await cli(["rollback", "n2", "--prefix", h.prefix, "--reports-dir", join(h.dir, "reports"), "--quiet"]);
    expect(back.code, back.stderr).toBe(0);
    expect(h.sim.attributesOf("i", "r1")).toEqual({ a: "A" });
    const before = h.sim.acceptedCount();
    expect((await cli(["run", b, ...common(h), ...job("j4"), "--run-id", "n3"])).code).toBe(0);
    expect(h.sim.acceptedCount() - before).toBe(1);
    expect(h.sim.attributesOf("i", "r1")).toEqual({ a: "B" });
  });

  it("forgets only contacts whose call went: a night stopped while calls wait for their turn, then cancelled, resends just those", async () => {
    const h = await fresh({ latencyMs: 1 });
    const ids = Array.from({ length: 10 }, (_, i) => `w${i}`);
    const a = await h.file("a.csv", csv([["contactId", "a"], ...ids.map((c) => [c, "A"])]));
    const b = await h.file("b.csv", csv([["contactId", "a"], ...ids.map((c) => [c, "B"])]));
    expect((await cli(["run", a, ...common(h), ...job("j5"), "--run-id", "n1"])).code).toBe(0);
    const sent = h.sim.acceptedCount();
    // One call a second: stopped once two went, the others still wait for their turn and are handed back.
    const n2 = await cli(["run", b, ...common(h), ...job("j5"), "--run-id", "n2", "--rate", "1"], {}, { signalWhen: () => h.sim.acceptedCount() - sent >= 2 });
    expect(n2.code).not.toBe(0);
    const cancelled = await cli(["cancel", "n2", "--prefix", h.prefix, "--reports-dir", join(h.dir, "reports")]);
    expect(cancelled.code, cancelled.stderr).not.toBe(1);
    const went = h.sim.acceptedCount() - sent;
    expect(went).toBeLessThan(10);
    // Night 3 puts A back: exactly the contacts night 2 reached are sent.
    expect((await cli(["run", a, ...common(h), ...job("j5"), "--run-id", "n3"])).code).toBe(0);
    expect(h.sim.acceptedCount() - sent - went).toBe(went);
    for (const c of ids) expect(h.sim.attributesOf("i", c)).toEqual({ a: "A" });
  });

  it("a worker SIGKILLed with calls in flight, the night cancelled: the next night puts back every contact it may have reached", async () => {
    // Calls are applied on arrival and answered 300 ms later: the kill lands with calls in flight.
    const h = await fresh({ latencyMs: 1 });
    const ids = Array.from({ length: 40 }, (_, i) => `k${i}`);
    const a = await h.file("a.csv", csv([["contactId", "a"], ...ids.map((c) => [c, "A"])]));
    const b = await h.file("b.csv", csv([["contactId", "a"], ...ids.map((c) => [c, "B"])]));
    expect((await cli(["run", a, ...common(h), ...job("j6"), "--run-id", "n1"])).code).toBe(0);
    const aim = ["--prefix", h.prefix, "--endpoint", h.endpoint];
    expect((await cli(["enqueue", b, "--run-id", "n2", "--instance-id", "i", ...job("j6"), ...aim])).code).toBe(0);
    h.sim.setLatency(300);
    const sent = h.sim.acceptedCount();
    const worker = startCli(["work", "--run-id", "n2", "--rate", "20", "--concurrency", "4", ...aim]);
    await until(() => h.sim.acceptedCount() - sent >= 6);
    worker.child.kill("SIGKILL");
    await worker.exited;
    h.sim.setLatency(1);
    const cancelled = await cli(["cancel", "n2", "--prefix", h.prefix, "--reports-dir", join(h.dir, "reports")]);
    expect(cancelled.code, cancelled.stderr).not.toBe(1);
    const reached = ids.filter((c) => h.sim.attributesOf("i", c)?.a === "B");
    expect(reached.length).toBeGreaterThanOrEqual(6);
    expect(reached.length).toBeLessThan(40);
    // Night 3 puts A back: every contact night 2 reached is sent (none judged unchanged on a guess), and no other.
    const before = h.sim.acceptedCount();
    expect((await cli(["run", a, ...common(h), ...job("j6"), "--run-id", "n3"])).code).toBe(0);
    const again = h.sim.updates(before).map((u) => u.contactId);
    expect(new Set(again)).toEqual(new Set(reached));
    for (const c of ids) expect(h.sim.attributesOf("i", c)).toEqual({ a: "A" });
  });
});
