/** Per-operation quotas: options, setRate, the admin endpoint, and the documented default burst. */
import { DescribeContactCommand, UpdateContactAttributesCommand } from "@aws-sdk/client-connect";
import { describe, expect, it } from "vitest";
import { ConnectSimulator } from "../../src/simulator/index.js";
import { clientFor, failure, HOUR_AGO, startSim } from "./helpers.js";

const update = (id: string) => new UpdateContactAttributesCommand({ InstanceId: "i", InitialContactId: id, Attributes: { a: "1" } });

async function admin(endpoint: string, method: "GET" | "POST", path: string, body?: unknown) {
  const res = await fetch(`${endpoint}/__sim/${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function granted(n: number, send: (i: number) => Promise<unknown>): Promise<number> {
  const results = await Promise.allSettled(Array.from({ length: n }, (_, i) => send(i)));
  return results.filter((r) => r.status === "fulfilled").length;
}

describe("per-operation quotas", () => {
  it("a rate without burst gets the documented burst: 10/s bursts 15", async () => {
    const { sim, endpoint } = await startSim({ autoCreate: true, rate: 10 });
    expect(sim.quotas().UpdateContactAttributes).toEqual({ rate: 10, burst: 15 });
    const client = clientFor(endpoint);
    const t0 = performance.now();
    const ok = await granted(25, (i) => client.send(update(`c-${i}`)));
    // The burst, plus what the bucket refilled while 25 calls went through (10/s: one token per 100 ms of a loaded machine).
    const refilled = Math.floor(((performance.now() - t0) / 1000) * 10);
    expect(ok).toBeGreaterThanOrEqual(15);
    expect(ok).toBeLessThanOrEqual(15 + Math.max(1, refilled));
  });

  it("the quotas option overrides rate/burst for the operations it names", async () => {
    const { sim } = await startSim({ rate: 10, quotas: { DescribeContact: { rate: 2 }, UpdateContact: { rate: 5, burst: 10 } } });
    expect(sim.quotas()).toEqual({
      UpdateContactAttributes: { rate: 10, burst: 15 },
      GetContactAttributes: { rate: 10, burst: 15 },
      DescribeContact: { rate: 2, burst: 5 },
      UpdateContact: { rate: 5, burst: 10 },
    });
  });

  it("POST /__sim/rate with an operation changes only that one; without, all (as before)", async () => {
    const { endpoint } = await startSim({
      autoCreate: true,
      contacts: [{ instanceId: "i", contactId: "d", initiationTimestamp: HOUR_AGO() }],
    });
    const client = clientFor(endpoint);
    const set = await admin(endpoint, "POST", "rate", { operation: "UpdateContactAttributes", rate: 1, burst: 2 });
    expect(set).toEqual({ status: 200, json: { operation: "UpdateContactAttributes", rate: 1, burst: 2 } });
    expect(await granted(5, (i) => client.send(update(`c-${i}`)))).toBe(2);
    // DescribeContact is still unlimited.
    expect(await granted(20, () => client.send(new DescribeContactCommand({ InstanceId: "i", ContactId: "d" })))).toBe(20);

    const all = await admin(endpoint, "POST", "rate", { rate: 5, burst: 10 });
    expect(all.status).toBe(200);
    const quotas = (await admin(endpoint, "GET", "rate")).json;
    expect(quotas).toEqual({
      UpdateContactAttributes: { rate: 5, burst: 10 },
      GetContactAttributes: { rate: 5, burst: 10 },
      DescribeContact: { rate: 5, burst: 10 },
      UpdateContact: { rate: 5, burst: 10 },
    });
    await admin(endpoint, "POST", "rate", { operation: "DescribeContact", rate: null });
    expect(((await admin(endpoint, "GET", "rate")).json as Record<string, unknown>).DescribeContact).toEqual({ rate: null, burst: null });
    expect(await admin(endpoint, "POST", "rate", { operation: "PutContact", rate: 1 })).toEqual({
      status: 400,
      json: {
        Message: 'simulator option "operation" must be one of UpdateContactAttributes, GetContactAttributes, DescribeContact, UpdateContact, got "PutContact"',
      },
    });
  });

  it("setRate(rate, burst, operation) from code", async () => {
    const { sim, endpoint } = await startSim({ autoCreate: true });
    sim.setRate(1, 1, "UpdateContactAttributes");
    const client = clientFor(endpoint);
    await client.send(update("a"));
    expect((await failure(client.send(update("b")))).name).toBe("ThrottlingException");
    expect(sim.quotas().GetContactAttributes).toEqual({ rate: null, burst: null });
    expect(() => sim.setRate(1, 1, "Nope" as never)).toThrow(/"operation" must be one of/);
    expect(() => new ConnectSimulator({ quotas: { Nope: { rate: 1 } } as never })).toThrow(/"quotas key" must be one of/);
  });
});
