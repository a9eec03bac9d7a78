/** The /__sim/ control API over plain HTTP, as another process would drive it, plus option validation. */
import { GetContactAttributesCommand, UpdateContactAttributesCommand } from "@aws-sdk/client-connect";
import { describe, expect, it } from "vitest";
import { ConnectSimulator, SimulatorConfigError, type SimulatorStats } from "../../src/simulator/index.js";
import { clientFor, failure, startSim } from "./helpers.js";

async function post(endpoint: string, path: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${endpoint}/__sim/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

async function get<T>(endpoint: string, path: string): Promise<T> {
  const res = await fetch(`${endpoint}/__sim/${path}`);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

const update = (id: string, value = "1") => new UpdateContactAttributesCommand({ InstanceId: "inst", InitialContactId: id, Attributes: { a: value } });

describe("admin API", () => {
  it("seeds contacts, reads stats/updates/attributes, and is not counted itself", async () => {
    const { endpoint } = await startSim();
    const seeded = await post(endpoint, "contacts", [
      { instanceId: "inst", contactId: "c-1", initiationTimestamp: new Date(Date.now() - 60_000).toISOString(), attributes: { x: "1" } },
      { instanceId: "inst", contactId: "c-old", initiationTimestamp: Date.UTC(2018, 0, 1) / 1000 },
    ]);
    expect(seeded).toEqual({ status: 200, json: { added: 2 } });

    const client = clientFor(endpoint);
    await client.send(update("c-1"));
    expect((await failure(client.send(update("c-old")))).name).toBe("InvalidRequestException");

    const stats = await get<SimulatorStats>(endpoint, "stats");
    expect(stats.requests).toBe(2);
    expect(stats.byOperation.UpdateContactAttributes).toEqual({ ok: 1, throttled: 0, errors: 1 });
    expect(stats.timeline.reduce((n, e) => n + e.ok, 0)).toBe(1);
    const updates = await get<Array<{ contactId: string; attributes: Record<string, string>; at: number }>>(endpoint, "updates");
    expect(updates).toMatchObject([{ instanceId: "inst", contactId: "c-1", attributes: { a: "1" } }]);
    expect(await get(endpoint, "updates?from=1")).toEqual([]);
    expect(await get(endpoint, "attributes/inst/c-1")).toEqual({ attributes: { x: "1", a: "1" } });
    expect((await fetch(`${endpoint}/__sim/attributes/inst/nope`)).status).toBe(404);

    expect(await post(endpoint, "reset", {})).toEqual({ status: 200, json: {} });
    expect((await get<SimulatorStats>(endpoint, "stats")).requests).toBe(0);
    expect(await get(endpoint, "updates")).toEqual([]);
    // Contacts survive a reset.
    const got = await client.send(new GetContactAttributesCommand({ InstanceId: "inst", InitialContactId: "c-1" }));
    expect(got.Attributes).toEqual({ x: "1", a: "1" });
  });

  it("sets rate, latency, faults and revoked keys", async () => {
    const { sim, endpoint } = await startSim({ autoCreate: true });
    const client = clientFor(endpoint);

    expect((await post(endpoint, "rate", { rate: 1, burst: 1 })).status).toBe(200);
    await client.send(update("a"));
    expect((await failure(client.send(update("b")))).name).toBe("ThrottlingException");
    await post(endpoint, "rate", { rate: null });

    await post(endpoint, "faults", { contactId: "f", faults: [500], count: 2 });
    await post(endpoint, "faults", { faults: [503] });
    expect((await failure(client.send(update("f")))).$metadata.httpStatusCode).toBe(503);
    expect((await failure(client.send(update("f")))).$metadata.httpStatusCode).toBe(500);
    expect((await failure(client.send(update("f")))).$metadata.httpStatusCode).toBe(500);
    await client.send(update("f"));

    await post(endpoint, "latency", { ms: 60 });
    const t = performance.now();
    await client.send(update("f"));
    expect(performance.now() - t).toBeGreaterThanOrEqual(55);
    await post(endpoint, "latency", { ms: 0 });

    await post(endpoint, "rejected-keys", { accessKeys: ["AKIDTEST"] });
    expect((await failure(client.send(update("f")))).name).toBe("UnrecognizedClientException");
    expect(sim.stats().faults).toBe(3);
  });

  it("rejects bad admin input with 400 and a reason", async () => {
    const { endpoint } = await startSim();
    expect(await post(endpoint, "rate", { rate: -1 })).toEqual({
      status: 400,
      json: { Message: 'simulator option "rate" must be a non-negative number, got -1' },
    });
    expect((await post(endpoint, "faults", { faults: [418] })).status).toBe(400);
    expect((await post(endpoint, "contacts", [{ instanceId: "i", contactId: "c", initiationTimestamp: "yesterday" }])).status).toBe(400);
    expect((await post(endpoint, "latency", { ms: "fast" })).status).toBe(400);
    expect((await post(endpoint, "nothing", {})).status).toBe(404);
    const bad = await fetch(`${endpoint}/__sim/rate`, { method: "POST", body: "{" });
    expect(bad.status).toBe(400);
  });
});

describe("options", () => {
  it.each([
    [{ rate: -1 }, 'simulator option "rate" must be a non-negative number, got -1'],
    [{ rate: Number.NaN }, 'simulator option "rate" must be a non-negative number, got NaN'],
    [{ burst: 0.5, rate: 1 }, 'simulator option "burst" must be a number >= 1, got 0.5'],
    [{ port: 70000 }, 'simulator option "port" must be an integer from 0 to 65535, got 70000'],
    [{ latencyMs: -5 }, 'simulator option "latencyMs" must be a non-negative number, got -5'],
    [{ autoCreate: "yes" }, 'simulator option "autoCreate" must be a boolean, got "yes"'],
    [{ retentionMonths: 0 }, 'simulator option "retentionMonths" must be a positive integer, got 0'],
    [{ rejectedAccessKeys: "AKID" }, 'simulator option "rejectedAccessKeys" must be an array of strings, got "AKID"'],
    [{ rat: 5 }, /unknown simulator option "rat"/],
    [
      { contacts: [{ instanceId: "i", contactId: "c", initiationTimestamp: "never" }] },
      'simulator option "contacts[0].initiationTimestamp" must be a valid date, got "never"',
    ],
  ] as const)("%j is refused", (options, message) => {
    expect(() => new ConnectSimulator(options as never)).toThrow(SimulatorConfigError);
    expect(() => new ConnectSimulator(options as never)).toThrow(message);
  });

  it("start twice is refused; stop is idempotent; a fixed port is honoured", async () => {
    const { sim, endpoint } = await startSim();
    await expect(sim.start()).rejects.toThrow(/already started/);
    const port = Number(new URL(endpoint).port);
    await sim.stop();
    await sim.stop();
    const again = new ConnectSimulator({ port });
    const started = await again.start();
    expect(started).toEqual({ port, endpoint: `http://127.0.0.1:${port}` });
    await again.stop();
  });
});
