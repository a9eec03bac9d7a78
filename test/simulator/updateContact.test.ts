/** UpdateContact through the real SDK: storage DescribeContact returns, the model's limits, its own quota and log. */
import { DescribeContactCommand, UpdateContactAttributesCommand, UpdateContactCommand, type UpdateContactCommandInput } from "@aws-sdk/client-connect";
import { describe, expect, it } from "vitest";
import { REFERENCE_TYPES } from "../../src/simulator/index.js";
import { clientFor, failure, HOUR_AGO, INSTANCE, startSim } from "./helpers.js";

const seed = (contactId: string, extra: Record<string, unknown> = {}) => ({
  instanceId: INSTANCE,
  contactId,
  initiationTimestamp: HOUR_AGO(),
  ...extra,
});

async function setup(options: Record<string, unknown> = {}) {
  const { sim, endpoint } = await startSim({
    contacts: [seed("c"), seed("ext", { channel: "VOICE", initiationMethod: "EXTERNAL_OUTBOUND" }), seed("chat", { channel: "CHAT" })],
    ...options,
  });
  const client = clientFor(endpoint);
  const update = (input: Omit<UpdateContactCommandInput, "InstanceId" | "ContactId">, contactId = "c") =>
    client.send(new UpdateContactCommand({ InstanceId: INSTANCE, ContactId: contactId, ...input }));
  const describeC = async (contactId = "c") => (await client.send(new DescribeContactCommand({ InstanceId: INSTANCE, ContactId: contactId }))).Contact!;
  return { sim, client, update, describeC };
}

describe("UpdateContact", () => {
  it("stores Name, Description, References and SegmentAttributes; DescribeContact returns what the Contact shape has", async () => {
    const { sim, update, describeC } = await setup();
    const out = await update({
      Name: "Refund call",
      Description: "Customer asked for a refund",
      References: { ticket: { Type: "URL", Value: "https://crm.example/T-1" }, due: { Type: "DATE", Value: "1767225600" } },
      SegmentAttributes: {
        "connect:ContactExpiry": { ValueMap: { ExpiryDuration: { ValueInteger: 135 } } },
        tier: { ValueString: "gold" },
      },
    });
    expect(out.$metadata.httpStatusCode).toBe(200);
    // Maps merge per key, as attributes do.
    await update({ References: { note: { Type: "STRING", Value: "x" } }, SegmentAttributes: { tier: { ValueString: "silver" } } });

    const contact = await describeC();
    expect(contact).toMatchObject({
      Name: "Refund call",
      Description: "Customer asked for a refund",
      SegmentAttributes: {
        "connect:ContactExpiry": { ValueMap: { ExpiryDuration: { ValueInteger: 135 } } },
        tier: { ValueString: "silver" },
      },
    });
    expect(Math.abs(contact.LastUpdateTimestamp!.getTime() - Date.now())).toBeLessThan(5000);
    // The model's Contact shape has no References member: they are held (see contactOf), not described.
    expect(sim.contactOf(INSTANCE, "c")?.references).toEqual({
      ticket: { Type: "URL", Value: "https://crm.example/T-1" },
      due: { Type: "DATE", Value: "1767225600" },
      note: { Type: "STRING", Value: "x" },
    });

    const logged = sim.updates(0, "UpdateContact");
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatchObject({ operation: "UpdateContact", instanceId: INSTANCE, contactId: "c", attributes: {}, fields: { Name: "Refund call" } });
    expect(sim.callCounts(INSTANCE, "c")).toEqual({ UpdateContactAttributes: 0, UpdateContact: 2 });
    expect(sim.stats().byOperation.UpdateContact).toEqual({ ok: 2, throttled: 0, errors: 0 });
    expect(sim.stats().accepted.byOperation).toEqual({ UpdateContactAttributes: 0, UpdateContact: 2 });
  });

  it("QueueInfo, UserInfo and endpoints only for external audio contacts (VOICE + EXTERNAL_OUTBOUND)", async () => {
    const { update, describeC } = await setup();
    const external = {
      QueueInfo: { Id: "q-1" },
      UserInfo: { UserId: "agent-1" },
      CustomerEndpoint: { Type: "TELEPHONE_NUMBER" as const, Address: "+15555550100" },
      SystemEndpoint: { Type: "TELEPHONE_NUMBER" as const, Address: "+15555550199" },
    };
    for (const id of ["c", "chat"]) {
      const err = await failure(update({ QueueInfo: { Id: "q-1" } }, id));
      expect(err.name).toBe("InvalidRequestException");
      expect(err.message).toMatch(/QueueInfo can only be updated for external audio contacts/);
    }
    await update(external, "ext");
    expect(await describeC("ext")).toMatchObject({
      QueueInfo: { Id: "q-1" },
      AgentInfo: { Id: "agent-1" },
      CustomerEndpoint: { Type: "TELEPHONE_NUMBER", Address: "+15555550100" },
      SystemEndpoint: { Type: "TELEPHONE_NUMBER", Address: "+15555550199" },
    });
  });

  it("the model has 11 reference types, all accepted", async () => {
    expect(REFERENCE_TYPES).toHaveLength(11);
    const { update } = await setup();
    for (const Type of REFERENCE_TYPES) {
      await update({ References: { [`k-${Type}`]: { Type, Value: Type === "DATE" ? "1700000000" : "v" } } });
    }
  });

  const x = (n: number) => "x".repeat(n);
  it.each<[string, Omit<UpdateContactCommandInput, "InstanceId" | "ContactId">, string, RegExp]>([
    ["no field at all", {}, "InvalidRequestException", /At least one field/],
    ["Name of 1025", { Name: x(1025) }, "InvalidParameterException", /Name must be 0 to 1024/],
    ["Description of 4097", { Description: x(4097) }, "InvalidParameterException", /Description must be 0 to 4096/],
    ["empty reference key", { References: { "": { Type: "URL", Value: "v" } } }, "InvalidParameterException", /Reference keys must be 1 to 4096/],
    ["reference key of 4097", { References: { [x(4097)]: { Type: "URL", Value: "v" } } }, "InvalidParameterException", /Reference keys/],
    ["unknown reference Type", { References: { k: { Type: "PHONE" as never, Value: "v" } } }, "InvalidParameterException", /Type must be one of URL/],
    ["reference without Type", { References: { k: { Value: "v" } as never } }, "InvalidRequestException", /Type is required/],
    ["DATE that is not epoch", { References: { d: { Type: "DATE", Value: "2025-01-01" } } }, "InvalidParameterException", /epoch timestamp/],
    ["reference Value of 4097", { References: { k: { Type: "STRING", Value: x(4097) } } }, "InvalidParameterException", /Value must be 0 to 4096/],
    ["segment key of 129", { SegmentAttributes: { [x(129)]: { ValueString: "v" } } }, "InvalidParameterException", /keys must be 1 to 128/],
    ["other system segment attribute", { SegmentAttributes: { "connect:Guide": { ValueString: "v" } } }, "InvalidParameterException", /only connect:ContactExpiry/],
    ["ContactExpiry without ExpiryDuration", { SegmentAttributes: { "connect:ContactExpiry": { ValueInteger: 5 } } }, "InvalidParameterException", /ExpiryDuration/],
    ["user-defined map", { SegmentAttributes: { mine: { ValueMap: { a: { ValueString: "b" } } } } }, "InvalidParameterException", /must be a string/],
    ["user-defined key with a dot", { SegmentAttributes: { "my.key": { ValueString: "v" } } }, "InvalidParameterException", /alphanumeric/],
    ["segment ValueString of 1025", { SegmentAttributes: { mine: { ValueString: x(1025) } } }, "InvalidParameterException", /ValueString must be 0 to 1024/],
  ])("%s is %s", async (_name, input, code, message) => {
    const { sim, update } = await setup();
    const err = await failure(update(input));
    expect(err.name).toBe(code);
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(err.message).toMatch(message);
    expect(sim.updates()).toEqual([]);
  });

  it("limits at their boundary pass: Name 1024, Description 4096, segment key 128", async () => {
    const { update } = await setup();
    await update({ Name: x(1024), Description: x(4096), SegmentAttributes: { [x(128)]: { ValueString: x(1024) } } });
  });

  it("all references of a contact hold at most 4,096 UTF-8 bytes, stored ones counted", async () => {
    const { sim, update } = await setup();
    await update({ References: { a: { Type: "STRING", Value: x(3000) } } });
    const err = await failure(update({ References: { b: { Type: "STRING", Value: x(1100) } } }));
    expect(err.name).toBe("InvalidParameterException");
    expect(err.message).toMatch(/4096/);
    await update({ References: { a: { Type: "STRING", Value: "short" }, b: { Type: "STRING", Value: x(1100) } } });
    expect(Object.keys(sim.contactOf(INSTANCE, "c")?.references ?? {})).toEqual(["a", "b"]);
  });

  it("unknown contact is 404; autoCreate creates it for UpdateContact as for UpdateContactAttributes", async () => {
    const strict = await setup();
    const err = await failure(strict.update({ Name: "n" }, "nope"));
    expect(err.name).toBe("ResourceNotFoundException");
    expect(err.$metadata.httpStatusCode).toBe(404);

    const { sim, update, describeC } = await setup({ autoCreate: true });
    await update({ Name: "created" }, "fresh");
    expect((await describeC("fresh")).Name).toBe("created");
    expect((await failure(update({ Name: "n" }, "missing-1"))).name).toBe("ResourceNotFoundException");
    expect(sim.acceptedCount("UpdateContact")).toBe(1);
  });

  it("has its own quota: throttling UpdateContact leaves UpdateContactAttributes alone", async () => {
    const { sim, client, update } = await setup({ quotas: { UpdateContact: { rate: 1, burst: 1 } } });
    await update({ Name: "1" });
    const err = await failure(update({ Name: "2" }));
    expect(err.name).toBe("ThrottlingException");
    expect(err.$metadata.httpStatusCode).toBe(429);
    for (let i = 0; i < 5; i++) {
      await client.send(new UpdateContactAttributesCommand({ InstanceId: INSTANCE, InitialContactId: "c", Attributes: { n: String(i) } }));
    }
    expect(sim.stats().byOperation.UpdateContact).toEqual({ ok: 1, throttled: 1, errors: 0 });
    expect(sim.callCounts(INSTANCE, "c")).toEqual({ UpdateContactAttributes: 5, UpdateContact: 1 });
  });

  it("path label limits are InvalidParameterException", async () => {
    const { update } = await setup();
    const err = await failure(update({ Name: "n" }, x(257)));
    expect(err.name).toBe("InvalidParameterException");
  });
});
