import { describe, expect, it } from "vitest";
import { columnRoles } from "../../src/input/columnRoles.js";
import { InputFileError } from "../../src/input/InputFileError.js";
import { checkRecord } from "../../src/operations/checkRecord.js";
import type { RowCheck } from "../../src/operations/ContactRow.js";
import { REFERENCE_TYPES } from "../../src/operations/updateContact/model.js";
import { requestOf, updateContact } from "../../src/operations/updateContact/operation.js";

const defaults = { instanceId: "inst" };
const fromObject = (value: Record<string, unknown>): RowCheck => checkRecord({ kind: "object", line: 2, value }, undefined, defaults, updateContact);
function fromCsv(header: string[], fields: string[]): RowCheck {
  return checkRecord({ kind: "fields", line: 2, fields }, columnRoles(header, "in.csv"), defaults, updateContact);
}
const codeOf = (c: RowCheck) => (c.ok ? "ok" : c.code);

describe("UpdateContact: records to requests", () => {
  it("JSONL with the API's own names becomes the request as the SDK takes it", () => {
    const c = fromObject({
      ContactId: "c-1",
      InstanceId: "i-1",
      Name: "Ann",
      Description: "VIP",
      References: { crm: { Value: "https://crm/1", Type: "URL" }, note: "text" },
      SegmentAttributes: { tier: { ValueString: "gold" }, "connect:ContactExpiry": { ValueMap: { ExpiryDuration: { ValueInteger: 60 } } } },
    });
    if (!c.ok) throw new Error(c.reason);
    expect(c.row).toMatchObject({ contactId: "c-1", instanceId: "i-1" });
    expect(requestOf(c.row.fields)).toEqual({
      Name: "Ann",
      Description: "VIP",
      References: { crm: { Value: "https://crm/1", Type: "URL" }, note: { Value: "text", Type: "STRING" } },
      SegmentAttributes: { tier: { ValueString: "gold" }, "connect:ContactExpiry": { ValueMap: { ExpiryDuration: { ValueInteger: 60 } } } },
    });
  });

  it("friendly JSONL names work too; a string segment attribute is its ValueString", () => {
    const c = fromObject({ contactId: "c", name: "Bo", references: { r: "x" }, segmentAttributes: { tier: "silver" } });
    expect(c.ok && requestOf(c.row.fields)).toEqual({
      Name: "Bo",
      References: { r: { Value: "x", Type: "STRING" } },
      SegmentAttributes: { tier: { ValueString: "silver" } },
    });
  });

  it("CSV: name, description, ref:<Key>, ref:<Key>:<TYPE>, seg:<Key>, seg:connect:ContactExpiry (minutes)", () => {
    const header = ["contactId", "Name", "description", "ref:crm:URL", "ref:note", "ref:a:b", "seg:tier", "seg:connect:ContactExpiry", "#x"];
    const c = fromCsv(header, ["c", "Ann", "", "https://crm/1", "hello", "k", "gold", "90", "ignored"]);
    expect(c.ok && requestOf(c.row.fields)).toEqual({
      Name: "Ann",
      // "a:b" is no type: the whole rest is the key (reference keys may hold ":").
      References: { crm: { Value: "https://crm/1", Type: "URL" }, note: { Value: "hello", Type: "STRING" }, "a:b": { Value: "k", Type: "STRING" } },
      SegmentAttributes: { tier: { ValueString: "gold" }, "connect:ContactExpiry": { ValueMap: { ExpiryDuration: { ValueInteger: 90 } } } },
    });
  });

  it("a column that means nothing to UpdateContact is a file-level error naming it and the columns it takes", () => {
    expect(() => updateContact.checkColumns(["name", "tier"], "in.csv")).toThrow(InputFileError);
    expect(() => updateContact.checkColumns(["name", "tier"], "in.csv")).toThrow(
      /in\.csv: column "tier" means nothing to UpdateContact; its columns are name, description, ref:<Key>/,
    );
    expect(() => updateContact.checkColumns(["QueueInfo"], "in.csv")).toThrow(/for external audio contacts only/);
    expect(() => updateContact.checkColumns(["name", "ref:x:DATE", "seg:y"], "in.csv")).not.toThrow();
  });

  it.each([
    ["nothing to update", { contactId: "c" }, "NothingToUpdate"],
    ["a name of 1,024 characters", { contactId: "c", Name: "n".repeat(1024) }, "ok"],
    ["a name of 1,025 characters", { contactId: "c", Name: "n".repeat(1025) }, "NameTooLong"],
    ["a description of 4,096 characters", { contactId: "c", Description: "d".repeat(4096) }, "ok"],
    ["a description of 4,097 characters", { contactId: "c", Description: "d".repeat(4097) }, "DescriptionTooLong"],
    ["an empty reference key", { contactId: "c", References: { "": "x" } }, "InvalidReference"],
    ["a reference key of 4,096 characters", { contactId: "c", References: { ["k".repeat(4096)]: { Type: "STRING" } } }, "ok"],
    ["a reference key of 4,097 characters", { contactId: "c", References: { ["k".repeat(4097)]: { Type: "STRING" } } }, "InvalidReference"],
    ["a reference type outside the model", { contactId: "c", References: { r: { Value: "x", Type: "PHONE" } } }, "InvalidReference"],
    ["a DATE reference that is an epoch timestamp", { contactId: "c", References: { d: { Value: "1700000000", Type: "DATE" } } }, "ok"],
    ["a DATE reference that is ISO text", { contactId: "c", References: { d: { Value: "2024-01-01", Type: "DATE" } } }, "InvalidReference"],
    ["references over 4,096 bytes in one call", { contactId: "c", References: { a: "x".repeat(2100), b: "y".repeat(2100) } }, "ReferencesTooLarge"],
    ["a user-defined string segment attribute", { contactId: "c", SegmentAttributes: { tier: "gold" } }, "ok"],
    ["a user-defined segment attribute that is not a string", { contactId: "c", SegmentAttributes: { tier: { ValueInteger: 3 } } }, "InvalidSegmentAttribute"],
    ["another system segment attribute", { contactId: "c", SegmentAttributes: { "connect:Subtype": "connect:Guide" } }, "InvalidSegmentAttribute"],
    ["ContactExpiry without minutes", { contactId: "c", SegmentAttributes: { "connect:ContactExpiry": { ValueString: "1" } } }, "InvalidSegmentAttribute"],
    ["a segment key with a dot", { contactId: "c", SegmentAttributes: { "a.b": "x" } }, "InvalidSegmentAttribute"],
    ["a segment key of 129 characters", { contactId: "c", SegmentAttributes: { ["s".repeat(129)]: "x" } }, "InvalidSegmentAttribute"],
    ["a segment value of 1,025 characters", { contactId: "c", SegmentAttributes: { s: "v".repeat(1025) } }, "InvalidSegmentAttribute"],
    ["QueueInfo (external audio only)", { contactId: "c", Name: "x", QueueInfo: { Id: "q" } }, "UnsupportedField"],
    ["a contact id of 257 characters", { contactId: "c".repeat(257), Name: "x" }, "ContactIdTooLong"],
  ])("%s: %s", (_name, value, code) => {
    expect(codeOf(fromObject(value))).toBe(code);
  });

  it("the model's 11 reference types, each accepted", () => {
    expect(REFERENCE_TYPES).toHaveLength(11);
    for (const Type of REFERENCE_TYPES) {
      expect(codeOf(fromObject({ contactId: "c", References: { r: { Value: Type === "DATE" ? "1700000000" : "v", Type } } })), Type).toBe("ok");
    }
  });

  it("has no start date of its own: only --min-contact-date or the age rule skip old contacts", () => {
    expect(updateContact.availableSince).toBeUndefined();
  });
});

describe("UpdateContact: what the model allows, counted as it counts", () => {
  const emoji = (n: number) => "😀".repeat(n);

  it("lengths are characters (code points), not UTF-16 units: 600 emoji are a name within 1,024, 1,025 are not", () => {
    expect(codeOf(fromObject({ contactId: "c", Name: emoji(600) }))).toBe("ok");
    expect(codeOf(fromObject({ contactId: "c", Name: emoji(1024) }))).toBe("ok");
    const long = fromObject({ contactId: "c", Name: emoji(1025) });
    expect(long.ok ? "" : long.reason).toBe("has a name of 1025 characters (at most 1024)");
    expect(codeOf(fromObject({ contactId: "c", Description: emoji(3000) }))).toBe("ok");
    expect(codeOf(fromObject({ contactId: "c", SegmentAttributes: { tier: { ValueString: emoji(1024) } } }))).toBe("ok");
    expect(codeOf(fromObject({ contactId: "c", SegmentAttributes: { tier: { ValueString: emoji(1025) } } }))).toBe("InvalidSegmentAttribute");
    expect(codeOf(fromObject({ contactId: emoji(200), InstanceId: emoji(60), Name: "n" }))).toBe("ok");
    expect(codeOf(fromObject({ contactId: emoji(257), Name: "n" }))).toBe("ContactIdTooLong");
    expect(codeOf(fromObject({ contactId: "c", InstanceId: emoji(101), Name: "n" }))).toBe("InstanceIdTooLong");
  });

  it("connect:ContactExpiry is a 32-bit integer of minutes: 2147483647 goes, 2147483648 is refused, in CSV and JSONL", () => {
    const expiry = (minutes: unknown) => ({
      contactId: "c",
      SegmentAttributes: { "connect:ContactExpiry": { ValueMap: { ExpiryDuration: { ValueInteger: minutes } } } },
    });
    expect(codeOf(fromObject(expiry(2147483647)))).toBe("ok");
    expect(codeOf(fromObject(expiry(2147483648)))).toBe("InvalidSegmentAttribute");
    expect(codeOf(fromObject(expiry(3000000000)))).toBe("InvalidSegmentAttribute");
    expect(codeOf(fromCsv(["contactId", "seg:connect:ContactExpiry"], ["c", "2147483647"]))).toBe("ok");
    expect(codeOf(fromCsv(["contactId", "seg:connect:ContactExpiry"], ["c", "2147483648"]))).toBe("InvalidSegmentAttribute");
    expect(codeOf(fromCsv(["contactId", "seg:connect:ContactExpiry"], ["c", "99999999999"]))).toBe("InvalidSegmentAttribute");
  });

  it("a refused value is never in the message (messages reach the summary, the webhook and the console)", () => {
    const date = fromCsv(["contactId", "ref:when:DATE"], ["c", "2025-06-01 SSN 123-45-6789"]);
    const expiry = fromCsv(["contactId", "seg:connect:ContactExpiry"], ["c", "SECRET1"]);
    for (const c of [date, expiry]) {
      expect(c.ok).toBe(false);
      expect(c.ok ? "" : c.reason).not.toMatch(/SSN|SECRET/);
    }
  });

  it("two columns that set one field are a file-level error naming both (one of the values would go unsent)", () => {
    for (const [a, b, what] of [
      ["name", "Name", "the name"],
      ["ref:note", "ref:note:URL", 'reference "note"'],
      ["seg:tier", "SEG:tier", 'segment attribute "tier"'],
    ] as const) {
      expect(() => updateContact.checkColumns([a, b], "in.csv")).toThrow(`in.csv: columns "${a}" and "${b}" both set ${what}; keep one.`);
    }
    expect(() => updateContact.checkColumns(["ref:note", "ref:other:URL", "seg:a", "seg:b"], "in.csv")).not.toThrow();
  });

  it("a JSONL reference takes the model's members: Status and Arn are sent as written, any other member (type, Whatever) is refused naming it", () => {
    const arn = "arn:aws:connect:us-east-1:123456789012:instance/x/attachment/y";
    const full = fromObject({ contactId: "c", References: { doc: { Value: "https://x", Type: "ATTACHMENT", Status: "APPROVED", Arn: arn } } });
    expect(full.ok && requestOf(full.row.fields)).toEqual({ References: { doc: { Value: "https://x", Type: "ATTACHMENT", Status: "APPROVED", Arn: arn } } });
    const lower = fromObject({ contactId: "c", References: { k: { Value: "x", type: "URL" } } });
    expect(lower.ok ? "" : lower.reason).toBe('has reference "k" with member "type"; a reference\'s members are Value, Type, Status, Arn');
    expect(codeOf(fromObject({ contactId: "c", References: { k: { Value: "x", Type: "URL", Whatever: "y" } } }))).toBe("InvalidReference");
    expect(codeOf(fromObject({ contactId: "c", References: { k: { Value: "x", Type: "URL", Status: "NOPE" } } }))).toBe("InvalidReference");
    expect(codeOf(fromObject({ contactId: "c", References: { k: { Value: "x", Type: "URL", Arn: "short" } } }))).toBe("InvalidReference");
  });
});
