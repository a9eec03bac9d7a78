import { afterEach, describe, expect, it } from "vitest";
import { cli, csv, harnessPerTest, killBackground, startCli, until } from "./helpers.js";

// One worker process works every run on its prefix with one budget of calls in flight (--concurrency). A call
// waiting for its turn (its API's governor, a run's own --rate) or for a backoff is not in flight: it must not
// hold a place that a call of another API or another run could use, or a slow API stops every run beside it.

const fresh = harnessPerTest();
afterEach(() => killBackground());

const finished = async (prefix: string, runId: string) => (await cli(["status", runId, "--prefix", prefix, "--json"])).stdout.includes('"state": "finished"');

describe("calls waiting for their turn hold no place in flight", () => {
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
});
