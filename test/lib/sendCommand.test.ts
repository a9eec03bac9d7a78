import { DescribeContactCommand, GetContactAttributesCommand, UpdateContactAttributesCommand, UpdateContactCommand } from "@aws-sdk/client-connect";
import { describe, expect, it } from "vitest";
import { sendCommand } from "../../src/lib/sendCommand.js";
import { clientFor, startSim } from "../simulator/helpers.js";

/*
 * A call's own abort signal travels beside the SDK's cached middleware (one stack per command type):
 * through the real SDK to the simulator.
 */
const INSTANCE = "11111111-1111-4111-8111-111111111111";
const contact = (i: number) => `c-${i}`;

describe("sendCommand: each call its own signal, on a cached stack", () => {
  it("sends every API on a cached stack, each call to its own contact", async () => {
    const { sim, endpoint } = await startSim({ autoCreate: true });
    const client = clientFor(endpoint);
    for (const i of [1, 2]) {
      await sendCommand(
        client,
        new UpdateContactAttributesCommand({ InstanceId: INSTANCE, InitialContactId: contact(i), Attributes: { a: String(i) } }),
        undefined,
        5_000,
      );
      await sendCommand(client, new UpdateContactCommand({ InstanceId: INSTANCE, ContactId: contact(i), Name: `n${i}` }), undefined, 5_000);
    }
    const got = await sendCommand<{ Attributes?: Record<string, string> }>(
      client,
      new GetContactAttributesCommand({ InstanceId: INSTANCE, InitialContactId: contact(2) }),
      undefined,
      5_000,
    );
    const described = await sendCommand<{ Contact?: { Id?: string } }>(
      client,
      new DescribeContactCommand({ InstanceId: INSTANCE, ContactId: contact(1) }),
      undefined,
      5_000,
    );
    expect(got.Attributes).toEqual({ a: "2" });
    expect(described.Contact?.Id).toBe(contact(1));
    expect([sim.attributesOf(INSTANCE, contact(1)), sim.attributesOf(INSTANCE, contact(2))]).toEqual([{ a: "1" }, { a: "2" }]);
    expect(sim.contactOf(INSTANCE, contact(2))?.name).toBe("n2");
    expect(client.config.cacheMiddleware).toBe(true);
  });

  it("keeps concurrent calls' signals apart: aborting one leaves the others", async () => {
    const { sim, endpoint } = await startSim({ autoCreate: true, latencyMs: 300 });
    const client = clientFor(endpoint);
    const stops = Array.from({ length: 6 }, () => new AbortController());
    const calls = stops.map((stop, i) =>
      sendCommand(
        client,
        new UpdateContactAttributesCommand({ InstanceId: INSTANCE, InitialContactId: contact(i), Attributes: { v: String(i) } }),
        stop.signal,
        5_000,
      ).then(
        () => "answered",
        (err: Error) => err.name,
      ),
    );
    await new Promise((r) => setTimeout(r, 100));
    stops[2]?.abort();
    stops[4]?.abort();
    expect(await Promise.all(calls)).toEqual(["answered", "answered", "AbortError", "answered", "AbortError", "answered"]);
    // The service applied all six: an aborted call had reached it, as a killed worker's does.
    expect(sim.acceptedCount()).toBe(6);
  });

  it("stops every call in flight under one shutdown signal, and none sent after it", async () => {
    const { endpoint } = await startSim({ autoCreate: true, latencyMs: 300 });
    const client = clientFor(endpoint);
    const shutdown = new AbortController();
    const call = (i: number) =>
      sendCommand(
        client,
        new UpdateContactAttributesCommand({ InstanceId: INSTANCE, InitialContactId: contact(i), Attributes: { v: String(i) } }),
        shutdown.signal,
        5_000,
      ).then(
        () => "answered",
        (err: Error) => err.name,
      );
    const first = [call(1), call(2), call(3)];
    await new Promise((r) => setTimeout(r, 50));
    shutdown.abort();
    expect(await Promise.all([...first, call(4)])).toEqual(["AbortError", "AbortError", "AbortError", "AbortError"]);
  });

  it("bounds a call by its deadline", async () => {
    const { endpoint } = await startSim({ autoCreate: true, latencyMs: 2_000 });
    const client = clientFor(endpoint);
    const started = Date.now();
    const err = await sendCommand(client, new GetContactAttributesCommand({ InstanceId: INSTANCE, InitialContactId: contact(1) }), undefined, 100).catch(
      (e: Error) => e,
    );
    expect((err as Error).name).toBe("TimeoutError");
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});
