/** DescribeContact as the model's Contact shape: seeded chains, no invented contacts, timestamps as Dates. */
import { DescribeContactCommand, UpdateContactAttributesCommand } from "@aws-sdk/client-connect";
import { describe, expect, it } from "vitest";
import { clientFor, failure, INSTANCE, startSim } from "./helpers.js";

const started = new Date(Date.now() - 2 * 86_400_000);
const at = (minutes: number) => new Date(started.getTime() + minutes * 60_000);

describe("DescribeContact", () => {
  it("a transfer chain: each leg names the first leg as InitialContactId and its predecessor as PreviousContactId", async () => {
    const { endpoint } = await startSim({
      contacts: [
        { instanceId: INSTANCE, contactId: "leg-1", initiationTimestamp: started, disconnectTimestamp: at(3), attributes: { crm: "1" } },
        {
          instanceId: INSTANCE,
          contactId: "leg-2",
          initialContactId: "leg-1",
          previousContactId: "leg-1",
          initiationTimestamp: at(3),
          disconnectTimestamp: at(9),
        },
        {
          instanceId: INSTANCE,
          contactId: "leg-3",
          initialContactId: "leg-1",
          previousContactId: "leg-2",
          initiationMethod: "QUEUE_TRANSFER",
          channel: "VOICE",
          initiationTimestamp: at(9),
        },
      ],
    });
    const client = clientFor(endpoint, { region: "eu-west-2" });
    const first = (await client.send(new DescribeContactCommand({ InstanceId: INSTANCE, ContactId: "leg-1" }))).Contact!;
    expect(first).toMatchObject({
      Id: "leg-1",
      Arn: `arn:aws:connect:eu-west-2:123456789012:instance/${INSTANCE}/contact/leg-1`,
      InitialContactId: "leg-1",
      InitiationMethod: "INBOUND",
      Channel: "VOICE",
      Attributes: { crm: "1" },
    });
    expect(first.PreviousContactId).toBeUndefined();
    expect(first.InitiationTimestamp?.getTime()).toBe(started.getTime());
    expect(first.DisconnectTimestamp?.getTime()).toBe(at(3).getTime());
    expect(first.LastUpdateTimestamp?.getTime()).toBe(at(3).getTime());

    const second = (await client.send(new DescribeContactCommand({ InstanceId: INSTANCE, ContactId: "leg-2" }))).Contact!;
    expect(second).toMatchObject({ Id: "leg-2", InitialContactId: "leg-1", PreviousContactId: "leg-1", InitiationMethod: "TRANSFER" });
    const third = (await client.send(new DescribeContactCommand({ InstanceId: INSTANCE, ContactId: "leg-3" }))).Contact!;
    expect(third).toMatchObject({ InitialContactId: "leg-1", PreviousContactId: "leg-2", InitiationMethod: "QUEUE_TRANSFER" });
    // Still ongoing: no DisconnectTimestamp, as Connect omits it.
    expect(third.DisconnectTimestamp).toBeUndefined();
  });

  it("an accepted update moves LastUpdateTimestamp", async () => {
    const { endpoint } = await startSim({ contacts: [{ instanceId: INSTANCE, contactId: "c", initiationTimestamp: started }] });
    const client = clientFor(endpoint);
    await client.send(new UpdateContactAttributesCommand({ InstanceId: INSTANCE, InitialContactId: "c", Attributes: { a: "1" } }));
    const out = (await client.send(new DescribeContactCommand({ InstanceId: INSTANCE, ContactId: "c" }))).Contact!;
    expect(Math.abs(out.LastUpdateTimestamp!.getTime() - Date.now())).toBeLessThan(5000);
  });

  it("an unknown contact is 404 even with autoCreate (no invented start time)", async () => {
    const { sim, endpoint } = await startSim({ autoCreate: true });
    const err = await failure(clientFor(endpoint).send(new DescribeContactCommand({ InstanceId: INSTANCE, ContactId: "never-seen" })));
    expect(err.name).toBe("ResourceNotFoundException");
    expect(err.$metadata.httpStatusCode).toBe(404);
    expect(sim.stats().byOperation.DescribeContact).toEqual({ ok: 0, throttled: 0, errors: 1 });
  });

  it("bad seeds are refused with the field named", async () => {
    await expect(startSim({ contacts: [{ instanceId: "i", contactId: "c", initiationTimestamp: started, channel: "FAX" as never }] })).rejects.toThrow(
      'simulator option "contacts[0].channel" must be one of VOICE, CHAT, TASK, EMAIL, got "FAX"',
    );
    await expect(startSim({ contacts: [{ instanceId: "i", contactId: "c", initiationTimestamp: started, disconnectTimestamp: at(-1) }] })).rejects.toThrow(
      /contacts\[0\].disconnectTimestamp" must be not before initiationTimestamp/,
    );
    await expect(startSim({ contacts: [{ instanceId: "i", contactId: "c", initiationTimestamp: started, initalContactId: "x" } as never] })).rejects.toThrow(
      /contacts\[0\].initalContactId" must be absent \(unknown seed field/,
    );
  });
});
