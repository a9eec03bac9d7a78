/** The accepted-update log: bounded entries, exact counts, absolute indexes for pollers. */
import { UpdateContactAttributesCommand, UpdateContactCommand } from "@aws-sdk/client-connect";
import { describe, expect, it } from "vitest";
import { AcceptedLog, DEFAULT_ACCEPTED_LOG_LIMIT } from "../../src/simulator/index.js";
import { clientFor, startSim } from "./helpers.js";

const entry = (i: number, contactId = `c-${i % 3}`) => ({
  operation: "UpdateContactAttributes" as const,
  instanceId: "i",
  contactId,
  attributes: { n: String(i) },
  at: 1000 + i,
});

describe("AcceptedLog", () => {
  it("keeps the last `limit` entries, counts everything, and indexes stay absolute across the wrap", () => {
    const log = new AcceptedLog(4);
    for (let i = 0; i < 10; i++) log.push(entry(i));
    expect(log.since().map((e) => e.attributes.n)).toEqual(["6", "7", "8", "9"]);
    expect(log.since(8).map((e) => e.attributes.n)).toEqual(["8", "9"]);
    expect(log.since(2).map((e) => e.attributes.n)).toEqual(["6", "7", "8", "9"]); // 2..5 were dropped
    expect(log.since(10)).toEqual([]);
    expect(log.summary()).toEqual({
      total: 10,
      byOperation: { UpdateContactAttributes: 10, UpdateContact: 0 },
      kept: 4,
      dropped: 6,
      firstAt: 1000,
      lastAt: 1009,
    });
    expect(log.countsFor("i", "c-0")).toEqual({ UpdateContactAttributes: 4, UpdateContact: 0 });
    expect(log.countsFor("i", "nobody")).toEqual({ UpdateContactAttributes: 0, UpdateContact: 0 });
    log.clear();
    expect(log.summary().total).toBe(0);
    log.push(entry(0));
    expect(log.since()).toHaveLength(1);
  });

  it("limit 0 keeps no entries but still counts", () => {
    const log = new AcceptedLog(0);
    for (let i = 0; i < 3; i++) log.push(entry(i, "x"));
    expect(log.since()).toEqual([]);
    expect(log.countsFor("i", "x").UpdateContactAttributes).toBe(3);
  });

  it("returned entries are copies", () => {
    const log = new AcceptedLog(2);
    log.push(entry(1));
    log.since()[0]!.attributes.n = "changed";
    expect(log.since()[0]!.attributes.n).toBe("1");
  });
});

describe("the simulator's accepted log", () => {
  it("acceptedLogLimit bounds updates(); counts, per contact and per operation, stay exact; GET /__sim/updates filters", async () => {
    const { sim, endpoint } = await startSim({ autoCreate: true, acceptedLogLimit: 5 });
    const client = clientFor(endpoint);
    for (let i = 0; i < 12; i++) {
      await client.send(new UpdateContactAttributesCommand({ InstanceId: "i", InitialContactId: `c-${i % 2}`, Attributes: { n: String(i) } }));
    }
    await client.send(new UpdateContactCommand({ InstanceId: "i", ContactId: "c-0", Name: "n" }));
    expect(sim.updates()).toHaveLength(5);
    expect(sim.updates().map((u) => u.operation)).toEqual([...Array(4).fill("UpdateContactAttributes"), "UpdateContact"]);
    expect(sim.acceptedCount()).toBe(13);
    expect(sim.acceptedCount("UpdateContactAttributes")).toBe(12);
    expect(sim.callCounts("i", "c-0")).toEqual({ UpdateContactAttributes: 6, UpdateContact: 1 });
    expect(sim.stats().accepted).toMatchObject({ total: 13, kept: 5, dropped: 8, byOperation: { UpdateContactAttributes: 12, UpdateContact: 1 } });

    const only = (await (await fetch(`${endpoint}/__sim/updates?from=10&operation=UpdateContactAttributes`)).json()) as unknown[];
    expect(only).toHaveLength(2);
    const counts = (await (await fetch(`${endpoint}/__sim/contacts/i/c-1`)).json()) as { accepted: unknown; contact: { attributes: unknown } };
    expect(counts.accepted).toEqual({ UpdateContactAttributes: 6, UpdateContact: 0 });
    expect(counts.contact.attributes).toEqual({ n: "11" });
    expect((await fetch(`${endpoint}/__sim/updates?operation=DescribeContact`)).status).toBe(400);

    sim.reset();
    expect(sim.acceptedCount()).toBe(0);
    expect(sim.callCounts("i", "c-0")).toEqual({ UpdateContactAttributes: 0, UpdateContact: 0 });
  });

  it("the default keeps 100,000 entries; stats start empty; a bad limit is refused", async () => {
    expect(DEFAULT_ACCEPTED_LOG_LIMIT).toBe(100_000);
    const { sim } = await startSim();
    expect(sim.stats().accepted).toEqual({
      total: 0,
      byOperation: { UpdateContactAttributes: 0, UpdateContact: 0 },
      kept: 0,
      dropped: 0,
      firstAt: null,
      lastAt: null,
    });
    await expect(startSim({ acceptedLogLimit: -1 })).rejects.toThrow('simulator option "acceptedLogLimit" must be a non-negative integer, got -1');
  });
});
