/** The per-contact 32,768-byte attribute total counts what a seeded contact already holds. */
import { GetContactAttributesCommand, UpdateContactAttributesCommand } from "@aws-sdk/client-connect";
import { describe, expect, it } from "vitest";
import { clientFor, failure, HOUR_AGO, INSTANCE, startSim } from "./helpers.js";

describe("attribute total against stored values", () => {
  it("stored + new over 32,768 bytes is refused whole; overwriting a key counts its new size only", async () => {
    // "held" holds 1 + 32,000 bytes; "é" is 2 UTF-8 bytes.
    const { sim, endpoint } = await startSim({
      contacts: [{ instanceId: INSTANCE, contactId: "full", initiationTimestamp: HOUR_AGO(), attributes: { h: "v".repeat(32_000) } }],
    });
    const client = clientFor(endpoint);
    const send = (Attributes: Record<string, string>) =>
      client.send(new UpdateContactAttributesCommand({ InstanceId: INSTANCE, InitialContactId: "full", Attributes }));

    // 32,001 + 1 + 766 = 32,768: fits exactly.
    await send({ a: "x".repeat(766) });
    // One more byte anywhere is over, even though this request alone is tiny.
    const err = await failure(send({ b: "é" }));
    expect(err.name).toBe("InvalidParameterException");
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(err.message).toMatch(/would hold 32771 bytes of attributes; the limit is 32768/);
    // Refused whole: nothing of it was applied.
    const got = await client.send(new GetContactAttributesCommand({ InstanceId: INSTANCE, InitialContactId: "full" }));
    expect(Object.keys(got.Attributes ?? {})).toEqual(["h", "a"]);
    // Shrinking a stored value makes room.
    await send({ h: "short", b: "é" });
    expect(sim.attributesOf(INSTANCE, "full")).toMatchObject({ h: "short", b: "é" });
    expect(sim.callCounts(INSTANCE, "full").UpdateContactAttributes).toBe(2);
  });

  it("a seed holding more than a contact can is refused", async () => {
    await expect(
      startSim({ contacts: [{ instanceId: "i", contactId: "c", initiationTimestamp: HOUR_AGO(), attributes: { k: "v".repeat(32_768) } }] }),
    ).rejects.toThrow('simulator option "contacts[0].attributes" must be at most 32768 UTF-8 bytes of keys and values (a contact\'s limit), got "32769 bytes"');
  });
});
