import { describe, expect, it } from "vitest";
import { checkRecord } from "../../src/operations/checkRecord.js";
import type { Operation } from "../../src/operations/Operation.js";
import { updateContact } from "../../src/operations/updateContact/operation.js";
import { updateContactAttributes } from "../../src/operations/updateContactAttributes/operation.js";

const check = (value: Record<string, unknown>, op: Operation = updateContactAttributes) =>
  checkRecord({ kind: "object", line: 3, value }, undefined, { instanceId: "i" }, op);

describe("a JSONL member that neither the contact nor the operation reads", () => {
  it('is the row\'s UnknownMember, not dropped: an attribute beside "attributes", or instead of it', () => {
    expect(check({ contactId: "flat1", tier: "gold" })).toEqual({
      ok: false,
      code: "UnknownMember",
      reason:
        'has "tier", which is not a member of an UpdateContactAttributes row: attributes go in "attributes" ({"attributes": {"tier": …}}); context of your own goes in a member starting with "#"',
    });
    expect(check({ contactId: "flat2", attributes: { tier: "gold" }, note: "lost" })).toMatchObject({ ok: false, code: "UnknownMember" });
    expect(check({ contactId: "u1", name: "n", tier: "gold" }, updateContact)).toEqual({
      ok: false,
      code: "UnknownMember",
      reason:
        'has "tier", which is not a member of an UpdateContact row (it takes "Name", "name", "Description", "description", "References", "references", "SegmentAttributes", "segmentAttributes"); context of your own goes in a member starting with "#"',
    });
  });

  it("a spelling no reader reads is a stray too: IfCurrent (a guard that would be ignored), NAME, SEGMENTATTRIBUTES", () => {
    expect(check({ contactId: "if2", attributes: { a: "new" }, IfCurrent: { a: "zzz" } })).toMatchObject({ ok: false, code: "UnknownMember" });
    expect(check({ contactId: "u8", NAME: "n8", description: "d8" }, updateContact)).toMatchObject({ ok: false, code: "UnknownMember" });
    expect(check({ contactId: "u9", SEGMENTATTRIBUTES: { tier: "gold" }, Name: "n9" }, updateContact)).toMatchObject({ ok: false, code: "UnknownMember" });
  });

  it("the contact's own members in either spelling, the operation's, ifCurrent and #context are no stray", () => {
    expect(
      check({ contactId: "a", instanceId: "i", initiationTimestamp: "2024-01-01T00:00:00Z", attributes: { t: "1" }, ifCurrent: { t: "0" }, "#source": "crm" }),
    ).toMatchObject({
      ok: true,
    });
    expect(check({ InitialContactId: "a", InstanceId: "i", InitiationTimestamp: "2024-01-01T00:00:00Z", Attributes: { t: "1" } })).toMatchObject({ ok: true });
    expect(check({ ContactId: "a", Name: "n", Description: "d" }, updateContact)).toMatchObject({ ok: true });
    // The API's external-audio members keep their own sentence.
    expect(check({ contactId: "a", QueueInfo: {} }, updateContact)).toMatchObject({ ok: false, code: "UnsupportedField" });
  });
});
