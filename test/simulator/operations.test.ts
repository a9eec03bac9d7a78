/** The three operations through the real SDK: success paths, merge semantics, contact lookup rules. */
import { DescribeContactCommand, GetContactAttributesCommand, UpdateContactAttributesCommand } from "@aws-sdk/client-connect";
import { describe, expect, it } from "vitest";
import { clientFor, failure, HOUR_AGO, INSTANCE, startSim } from "./helpers.js";

describe("UpdateContactAttributes / GetContactAttributes", () => {
  it("merges: given keys created or overwritten, others kept, empty string blanks", async () => {
    const { sim, endpoint } = await startSim({
      contacts: [{ instanceId: INSTANCE, contactId: "c-1", initiationTimestamp: HOUR_AGO(), attributes: { keep: "k", over: "old" } }],
    });
    const client = clientFor(endpoint);

    const out = await client.send(
      new UpdateContactAttributesCommand({
        InstanceId: INSTANCE,
        InitialContactId: "c-1",
        Attributes: { over: "new", added: "a", blank: "x" },
      }),
    );
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    await client.send(new UpdateContactAttributesCommand({ InstanceId: INSTANCE, InitialContactId: "c-1", Attributes: { blank: "" } }));

    const got = await client.send(new GetContactAttributesCommand({ InstanceId: INSTANCE, InitialContactId: "c-1" }));
    expect(got.Attributes).toEqual({ keep: "k", over: "new", added: "a", blank: "" });
    expect(sim.attributesOf(INSTANCE, "c-1")).toEqual(got.Attributes);

    const updates = sim.updates();
    expect(updates.map((u) => u.attributes)).toEqual([{ over: "new", added: "a", blank: "x" }, { blank: "" }]);
    expect(updates[0]).toMatchObject({ instanceId: INSTANCE, contactId: "c-1" });
    expect(Math.abs(updates[0]!.at - Date.now())).toBeLessThan(5000);
    expect(sim.stats().byOperation.UpdateContactAttributes).toEqual({ ok: 2, throttled: 0, errors: 0 });
    expect(sim.stats().byOperation.GetContactAttributes).toEqual({ ok: 1, throttled: 0, errors: 0 });
  });

  it("decodes percent-encoded path labels", async () => {
    const odd = "c/1 with spaces+%é";
    const { endpoint } = await startSim({
      contacts: [{ instanceId: "inst:1", contactId: odd, initiationTimestamp: HOUR_AGO(), attributes: { a: "1" } }],
    });
    const client = clientFor(endpoint);
    const got = await client.send(new GetContactAttributesCommand({ InstanceId: "inst:1", InitialContactId: odd }));
    expect(got.Attributes).toEqual({ a: "1" });
    const described = await client.send(new DescribeContactCommand({ InstanceId: "inst:1", ContactId: odd }));
    expect(described.Contact?.Id).toBe(odd);
  });

  it("unknown contact and unknown instance are 404 ResourceNotFoundException", async () => {
    const { sim, endpoint } = await startSim({
      contacts: [{ instanceId: INSTANCE, contactId: "c-1", initiationTimestamp: HOUR_AGO() }],
    });
    const client = clientFor(endpoint);
    for (const [instance, contact] of [
      [INSTANCE, "nope"],
      ["other-instance", "c-1"],
    ] as const) {
      const err = await failure(client.send(new UpdateContactAttributesCommand({ InstanceId: instance, InitialContactId: contact, Attributes: { a: "1" } })));
      expect(err.name).toBe("ResourceNotFoundException");
      expect(err.$metadata.httpStatusCode).toBe(404);
    }
    const err = await failure(client.send(new GetContactAttributesCommand({ InstanceId: INSTANCE, InitialContactId: "nope" })));
    expect(err.name).toBe("ResourceNotFoundException");
    expect(sim.updates()).toEqual([]);
    expect(sim.stats().byOperation.UpdateContactAttributes.errors).toBe(2);
  });

  it("a contact from before 2018-09-12 is 400 InvalidRequestException on update", async () => {
    const { endpoint } = await startSim({
      contacts: [{ instanceId: INSTANCE, contactId: "old", initiationTimestamp: new Date("2018-09-11T23:59:59Z") }],
    });
    const err = await failure(
      clientFor(endpoint).send(new UpdateContactAttributesCommand({ InstanceId: INSTANCE, InitialContactId: "old", Attributes: { a: "1" } })),
    );
    expect(err.name).toBe("InvalidRequestException");
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(err.message).toMatch(/initiated before the UpdateContactAttributes API was released/);
  });

  it("a contact past retention is 404 (update and describe)", async () => {
    const started = new Date();
    started.setUTCMonth(started.getUTCMonth() - 3);
    const { endpoint } = await startSim({
      retentionMonths: 2,
      contacts: [{ instanceId: INSTANCE, contactId: "expired", initiationTimestamp: started }],
    });
    const client = clientFor(endpoint);
    const update = await failure(client.send(new UpdateContactAttributesCommand({ InstanceId: INSTANCE, InitialContactId: "expired", Attributes: { a: "1" } })));
    expect(update.name).toBe("ResourceNotFoundException");
    const describe = await failure(client.send(new DescribeContactCommand({ InstanceId: INSTANCE, ContactId: "expired" })));
    expect(describe.$metadata.httpStatusCode).toBe(404);
  });

  it("autoCreate treats unknown contacts as started an hour ago when updated, except missing-*", async () => {
    const { sim, endpoint } = await startSim({ autoCreate: true });
    const client = clientFor(endpoint);
    await client.send(new UpdateContactAttributesCommand({ InstanceId: "any", InitialContactId: "fresh", Attributes: { a: "1" } }));
    expect(sim.attributesOf("any", "fresh")).toEqual({ a: "1" });
    // The contact the update created is described with the start time it was given.
    const described = await client.send(new DescribeContactCommand({ InstanceId: "any", ContactId: "fresh" }));
    const age = Date.now() - described.Contact!.InitiationTimestamp!.getTime();
    expect(age).toBeGreaterThan(3590_000);
    expect(age).toBeLessThan(3610_000);
    // Reads never invent a contact: Connect answers 404 for one nobody created.
    for (const read of [
      new DescribeContactCommand({ InstanceId: "any", ContactId: "other" }),
      new GetContactAttributesCommand({ InstanceId: "any", InitialContactId: "other" }),
    ]) {
      const notFound = await failure(client.send(read as never));
      expect(notFound.name).toBe("ResourceNotFoundException");
      expect(notFound.$metadata.httpStatusCode).toBe(404);
    }
    expect(sim.contactOf("any", "other")).toBeUndefined();
    const err = await failure(client.send(new UpdateContactAttributesCommand({ InstanceId: "any", InitialContactId: "missing-1", Attributes: { a: "1" } })));
    expect(err.name).toBe("ResourceNotFoundException");
  });
});

describe("autoCreateOnRead", () => {
  it("restores the old behaviour: reads create unknown contacts too (started an hour ago)", async () => {
    const { sim, endpoint } = await startSim({ autoCreate: true, autoCreateOnRead: true });
    const client = clientFor(endpoint);
    const described = await client.send(new DescribeContactCommand({ InstanceId: "any", ContactId: "other" }));
    const age = Date.now() - described.Contact!.InitiationTimestamp!.getTime();
    expect(age).toBeGreaterThan(3590_000);
    expect(age).toBeLessThan(3610_000);
    const got = await client.send(new GetContactAttributesCommand({ InstanceId: "any", InitialContactId: "other-2" }));
    expect(got.Attributes).toEqual({});
    expect(sim.contactOf("any", "other-2")).toBeDefined();
  });
});

describe("DescribeContact", () => {
  it("returns the contact with epoch-second timestamp parsed to a Date", async () => {
    const started = new Date("2025-06-01T12:34:56.789Z");
    const recent = new Date(Date.now() - 86_400_000);
    const { endpoint } = await startSim({
      contacts: [
        { instanceId: INSTANCE, contactId: "c-1", initiationTimestamp: recent, attributes: { x: "y" } },
        { instanceId: INSTANCE, contactId: "c-2", initiationTimestamp: started },
      ],
      retentionMonths: 600,
    });
    const client = clientFor(endpoint);
    const out = await client.send(new DescribeContactCommand({ InstanceId: INSTANCE, ContactId: "c-1" }));
    expect(out.Contact).toMatchObject({
      Id: "c-1",
      InitialContactId: "c-1",
      Channel: "VOICE",
      InitiationMethod: "INBOUND",
      Attributes: { x: "y" },
    });
    expect(out.Contact?.InitiationTimestamp?.getTime()).toBe(recent.getTime());
    const second = await client.send(new DescribeContactCommand({ InstanceId: INSTANCE, ContactId: "c-2" }));
    expect(second.Contact?.InitiationTimestamp?.toISOString()).toBe(started.toISOString());
  });
});
