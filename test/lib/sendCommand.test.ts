import { DescribeContactCommand, GetContactAttributesCommand, UpdateContactAttributesCommand, UpdateContactCommand } from "@aws-sdk/client-connect";
import { describe, expect, it } from "vitest";
import { sendCommand } from "../../src/lib/sendCommand.js";
import { clientFor, startSim } from "../simulator/helpers.js";

/*
 * A call's own abort signal and "sent" hook travel beside the SDK's cached middleware (one stack per
 * command type): through the real SDK to the simulator.
 */
const INSTANCE = "11111111-1111-4111-8111-111111111111";
const contact = (i: number) => `c-${i}`;

describe("sendCommand: each call its own hook and signal, on a cached stack", () => {
  it("fires each call's hook once, before its request reaches the service, for every API", async () => {
    const { sim, endpoint } = await startSim({ autoCreate: true });
    const client = clientFor(endpoint);
    const seen: string[] = [];
    // Each hook holds its request back a little and looks at what the service has been asked so far.
    const hook = (name: string) => async () => {
      seen.push(`${name}:${sim.stats().requests}`);
      await new Promise((r) => setTimeout(r, 20));
      // The request waited for the hook's promise: still not at the service.
      seen.push(`${name}:${sim.stats().requests}`);
    };
    const before = sim.stats().requests;
    await sendCommand(
      client,
      new UpdateContactAttributesCommand({ InstanceId: INSTANCE, InitialContactId: contact(1), Attributes: { a: "1" } }),
      undefined,
      5_000,
      hook("attrs"),
    );
    await sendCommand(client, new UpdateContactCommand({ InstanceId: INSTANCE, ContactId: contact(1), Name: "n" }), undefined, 5_000, hook("contact"));
    await sendCommand(client, new GetContactAttributesCommand({ InstanceId: INSTANCE, InitialContactId: contact(1) }), undefined, 5_000, hook("get"));
    await sendCommand(client, new DescribeContactCommand({ InstanceId: INSTANCE, ContactId: contact(1) }), undefined, 5_000, hook("describe"));
    expect(seen).toEqual(["attrs", "contact", "get", "describe"].flatMap((name, i) => [`${name}:${before + i}`, `${name}:${before + i}`]));
    expect(sim.attributesOf(INSTANCE, contact(1))).toEqual({ a: "1" });
    expect(client.config.cacheMiddleware).toBe(true);
  });

  it("keeps concurrent calls' hooks and signals apart: aborting one leaves the others", async () => {
    const { sim, endpoint } = await startSim({ autoCreate: true, latencyMs: 300 });
    const client = clientFor(endpoint);
    const hooks = new Map<number, number>();
    const stops = Array.from({ length: 6 }, () => new AbortController());
    const calls = stops.map((stop, i) =>
      sendCommand(
        client,
        new UpdateContactAttributesCommand({ InstanceId: INSTANCE, InitialContactId: contact(i), Attributes: { v: String(i) } }),
        stop.signal,
        5_000,
        () => {
          hooks.set(i, (hooks.get(i) ?? 0) + 1);
        },
      ).then(
        () => "answered",
        (err: Error) => err.name,
      ),
    );
    await new Promise((r) => setTimeout(r, 100));
    stops[2]?.abort();
    stops[4]?.abort();
    expect(await Promise.all(calls)).toEqual(["answered", "answered", "AbortError", "answered", "AbortError", "answered"]);
    expect([...hooks.entries()].sort((a, b) => a[0] - b[0])).toEqual([0, 1, 2, 3, 4, 5].map((i) => [i, 1]));
    // The service applied all six: an aborted call had reached it, as a killed worker's does.
    expect(sim.acceptedCount()).toBe(6);
  });

  it("bounds a call by its deadline", async () => {
    const { endpoint } = await startSim({ autoCreate: true, latencyMs: 2_000 });
    const client = clientFor(endpoint);
    const started = Date.now();
    const err = await sendCommand(client, new GetContactAttributesCommand({ InstanceId: INSTANCE, InitialContactId: contact(1) }), undefined, 100, undefined).catch(
      (e: Error) => e,
    );
    expect((err as Error).name).toBe("TimeoutError");
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});
