import { afterEach, describe, expect, it } from "vitest";
import { cli, csv, harnessPerTest, killBackground, startCli, until } from "./helpers.js";

// One worker process works every run on its prefix with one budget of places (--concurrency). A call waiting for
// its turn (its API's governor, a run's own --rate) must not hold a place another API's or another run's call could
// use, or a slow API stops every run beside it; and a call must not wait for a place after its turn, or calls that
// waited go together, over the quota as the service's bucket counts it.

const fresh = harnessPerTest();
afterEach(() => killBackground());

const finished = async (prefix: string, runId: string) => (await cli(["status", runId, "--prefix", prefix, "--json"])).stdout.includes('"state": "finished"');

describe("calls waiting for their turns hold one place per lane, and go as their turns come", () => {
  it("an UpdateContact run finishes beside an UpdateContactAttributes run throttled to 1/s on the same worker", async () => {
    // The account's UpdateContactAttributes quota is 1/s; UpdateContact's is the simulator's 200/s.
    const h = await fresh({ latencyMs: 1, rate: 200, burst: 300, quotas: { UpdateContactAttributes: { rate: 1, burst: 1 } } });
    const aim = ["--prefix", h.prefix, "--endpoint", h.endpoint, "--instance-id", "i"];
    startCli(["work", "--prefix", h.prefix, "--endpoint", h.endpoint, "--rate", "50", "--concurrency", "4"]);
    const slow = await h.file("slow.csv", csv([["contactId", "tier"], ...Array.from({ length: 40 }, (_, i) => [`a${i}`, "gold"])]));
    expect((await cli(["enqueue", slow, ...aim, "--run-id", "slow", "--chunk-size", "20"])).code).toBe(0);
    // The slow run's calls are waiting on its throttled governor.
    await until(async () => h.sim.stats().throttled > 0, 30_000);
    const names = await h.file("names.csv", csv([["contactId", "name"], ...Array.from({ length: 12 }, (_, i) => [`b${i}`, `Name ${i}`])]));
    const t0 = Date.now();
    expect((await cli(["enqueue", names, ...aim, "--operation", "UpdateContact", "--run-id", "names", "--chunk-size", "12"])).code).toBe(0);
    await until(() => finished(h.prefix, "names"), 60_000);
    const tookS = (Date.now() - t0) / 1000;
    expect(h.sim.acceptedCount("UpdateContact")).toBe(12);
    // At the throttled API's pace the 12 calls would have waited behind the slow run's: about 40 s.
    expect(tookS).toBeLessThan(15);
    expect(await finished(h.prefix, "slow")).toBe(false);
  }, 120_000);

  it("a run made at --rate 1 does not hold back an unpaced run of the same API on the same worker", async () => {
    const h = await fresh({ latencyMs: 1 });
    const aim = ["--prefix", h.prefix, "--endpoint", h.endpoint, "--instance-id", "i"];
    startCli(["work", "--prefix", h.prefix, "--endpoint", h.endpoint, "--rate", "50", "--concurrency", "4"]);
    const slow = await h.file("slow.csv", csv([["contactId", "tier"], ...Array.from({ length: 40 }, (_, i) => [`a${i}`, "gold"])]));
    expect((await cli(["enqueue", slow, ...aim, "--rate", "1", "--run-id", "slow", "--chunk-size", "20"])).code).toBe(0);
    await until(async () => h.sim.acceptedCount() >= 2, 30_000);
    const quick = await h.file("quick.csv", csv([["contactId", "tier"], ...Array.from({ length: 12 }, (_, i) => [`b${i}`, "silver"])]));
    const t0 = Date.now();
    expect((await cli(["enqueue", quick, ...aim, "--run-id", "quick", "--chunk-size", "12"])).code).toBe(0);
    await until(() => finished(h.prefix, "quick"), 60_000);
    const tookS = (Date.now() - t0) / 1000;
    expect(h.sim.updates().filter((u) => u.contactId.startsWith("b"))).toHaveLength(12);
    expect(tookS).toBeLessThan(15);
    expect(await finished(h.prefix, "slow")).toBe(false);
  }, 120_000);

  it("a run paced at its API's quota beside another API's slow calls is never throttled: its requests go as their turns come, not in bunches", async () => {
    // UpdateContactAttributes: 4/s, a bucket of 6 (the service's shape, 1.5x the rate); each call answers after 3 s.
    const h = await fresh({ latencyMs: 3000, rate: 500, burst: 750, quotas: { UpdateContactAttributes: { rate: 4, burst: 6 } } });
    const aim = ["--prefix", h.prefix, "--endpoint", h.endpoint, "--instance-id", "i"];
    const paced = await h.file("paced.csv", csv([["contactId", "tier"], ...Array.from({ length: 40 }, (_, i) => [`a${i}`, "gold"])]));
    const names = await h.file("names.csv", csv([["contactId", "name"], ...Array.from({ length: 120 }, (_, i) => [`b${i}`, `Name ${i}`])]));
    expect((await cli(["enqueue", paced, ...aim, "--rate", "4", "--run-id", "paced", "--chunk-size", "20"])).code).toBe(0);
    expect((await cli(["enqueue", names, ...aim, "--operation", "UpdateContact", "--run-id", "names", "--chunk-size", "40"])).code).toBe(0);
    // The UpdateContact calls keep the 16 places busy: the paced run's calls often find none free at their turns.
    startCli(["work", "--prefix", h.prefix, "--endpoint", h.endpoint, "--rate", "200", "--concurrency", "16"]);
    await until(async () => (await finished(h.prefix, "paced")) && (await finished(h.prefix, "names")), 110_000);
    expect(h.sim.acceptedCount("UpdateContactAttributes")).toBe(40);
    expect(h.sim.acceptedCount("UpdateContact")).toBe(120);
    expect(h.sim.stats().byOperation.UpdateContactAttributes.throttled).toBe(0);
  }, 150_000);

  it("a --capture-before run whose reads are throttled to 1/s does not hold back another run's writes", async () => {
    const h = await fresh({ latencyMs: 1, autoCreateOnRead: true, quotas: { GetContactAttributes: { rate: 1, burst: 1 } } });
    const aim = ["--prefix", h.prefix, "--endpoint", h.endpoint, "--instance-id", "i"];
    startCli(["work", "--prefix", h.prefix, "--endpoint", h.endpoint, "--rate", "50", "--concurrency", "4"]);
    const careful = await h.file("careful.csv", csv([["contactId", "tier"], ...Array.from({ length: 40 }, (_, i) => [`a${i}`, "gold"])]));
    expect((await cli(["enqueue", careful, ...aim, "--capture-before", "--run-id", "careful", "--chunk-size", "20"])).code).toBe(0);
    await until(async () => h.sim.stats().byOperation.GetContactAttributes.ok >= 2, 30_000);
    const quick = await h.file("quick.csv", csv([["contactId", "tier"], ...Array.from({ length: 12 }, (_, i) => [`b${i}`, "silver"])]));
    const t0 = Date.now();
    expect((await cli(["enqueue", quick, ...aim, "--run-id", "quick", "--chunk-size", "12"])).code).toBe(0);
    await until(() => finished(h.prefix, "quick"), 60_000);
    expect((Date.now() - t0) / 1000).toBeLessThan(15);
    expect(h.sim.updates().filter((u) => u.contactId.startsWith("b"))).toHaveLength(12);
    expect(await finished(h.prefix, "careful")).toBe(false);
  }, 120_000);
});
