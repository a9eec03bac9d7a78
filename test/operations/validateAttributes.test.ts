import { describe, expect, it } from "vitest";
import { checkIds, ID_LIMITS } from "../../src/operations/contactIds.js";
import type { ContactRow, RowCheck } from "../../src/operations/ContactRow.js";
import { ATTRIBUTE_KEY, LIMITS as ATTRIBUTE_LIMITS } from "../../src/operations/updateContactAttributes/limits.js";
import { validateAttributes } from "../../src/operations/updateContactAttributes/operation.js";

const LIMITS = { ...ID_LIMITS, ...ATTRIBUTE_LIMITS };

/** The ids, then the attributes: what checkRecord asks of an UpdateContactAttributes row. */
function validateRow(row: ContactRow): RowCheck {
  const ids = checkIds(row.contactId, row.instanceId);
  if (!ids.ok) return ids;
  const v = validateAttributes(row.fields);
  return v.ok ? { ok: true, row } : v;
}

const INSTANCE = "11111111-2222-3333-4444-555555555555";

function row(over: Partial<ContactRow>): ContactRow {
  return { line: 2, contactId: "c-1", instanceId: INSTANCE, initiationTimestamp: undefined, fields: { tier: "gold" }, ...over };
}

const bytes = (s: string) => Buffer.byteLength(s, "utf8");

describe("LIMITS", () => {
  it("holds the service's documented limits", () => {
    expect(LIMITS).toEqual({
      contactIdMax: 256,
      instanceIdMax: 100,
      attributeValueMax: 32_767,
      attributeKeyMax: 32_767,
      attributesTotalBytes: 32_768,
    });
    expect(Object.isFrozen(ID_LIMITS) && Object.isFrozen(ATTRIBUTE_LIMITS)).toBe(true);
  });

  it.each([
    ["letters", "abcXYZ", true],
    ["digits", "0123", true],
    ["dash and underscore", "a-b_c", true],
    ["space", "a b", false],
    ["dot", "a.b", false],
    ["unicode letter", "é", false],
    ["empty", "", false],
  ])("ATTRIBUTE_KEY %s", (_n, key, ok) => {
    expect(ATTRIBUTE_KEY.test(key)).toBe(ok);
  });
});

describe("validateRow", () => {
  // A key plus a value adding up to exactly n UTF-8 bytes (all ASCII).
  const asciiTotal = (n: number) => ({ k: "v".repeat(n - 1) });
  // 16,383 two-byte "é" (32,766 bytes, 16,383 chars) + key "k" + `extra` ASCII chars.
  const multiByte = (extra: number) => ({ k: "é".repeat(16_383) + "a".repeat(extra) });

  const cases: Array<[name: string, over: Partial<ContactRow>, code: string | undefined]> = [
    ["a plain row", {}, undefined],
    ["contact id of 256 chars", { contactId: "c".repeat(256) }, undefined],
    ["contact id of 257 chars", { contactId: "c".repeat(257) }, "ContactIdTooLong"],
    ["empty contact id", { contactId: "" }, "MissingContactId"],
    ["instance id of 100 chars", { instanceId: "i".repeat(100) }, undefined],
    ["instance id of 101 chars", { instanceId: "i".repeat(101) }, "InstanceIdTooLong"],
    ["empty instance id", { instanceId: "" }, "MissingInstanceId"],
    ["value of 32,767 chars", { fields: { k: "x".repeat(32_767) } }, undefined],
    ["value of 32,768 chars", { fields: { k: "x".repeat(32_768) } }, "AttributeValueTooLong"],
    ["empty value (blanks the attribute)", { fields: { k: "" } }, undefined],
    ["keys + values of 32,768 bytes in one attribute", { fields: asciiTotal(32_768) }, undefined],
    ["keys + values of 32,769 bytes in one attribute", { fields: { kk: "v".repeat(32_767) } }, "AttributesTooLarge"],
    ["keys + values of 32,768 bytes over several attributes", { fields: { a: "x".repeat(16_000), b: "y".repeat(16_000), cc: "z".repeat(764) } }, undefined],
    [
      "keys + values of 32,769 bytes over several attributes",
      { fields: { a: "x".repeat(16_000), b: "y".repeat(16_000), cc: "z".repeat(765) } },
      "AttributesTooLarge",
    ],
    ["multi-byte: 32,768 bytes in 16,385 chars", { fields: multiByte(1) }, undefined],
    ["multi-byte: 32,769 bytes in 16,386 chars", { fields: multiByte(2) }, "AttributesTooLarge"],
    ["key with a space", { fields: { "a b": "1" } }, "InvalidAttributeKey"],
    ["key with a dot", { fields: { "a.b": "1" } }, "InvalidAttributeKey"],
    ["key with a unicode letter", { fields: { café: "1" } }, "InvalidAttributeKey"],
    ["key with a slash", { fields: { "a/b": "1" } }, "InvalidAttributeKey"],
    ["empty key", { fields: { "": "1" } }, "InvalidAttributeKey"],
    ["key with letters, digits, - and _", { fields: { "Az09_-": "1" } }, undefined],
    ["key of 32,767 chars", { fields: { ["k".repeat(32_767)]: "" } }, undefined],
    ["key of 32,768 chars", { fields: { ["k".repeat(32_768)]: "" } }, "InvalidAttributeKey"],
    ["no attributes", { fields: {} }, "NoAttributes"],
  ];

  it.each(cases)("%s", (_name, over, code) => {
    const r = row(over);
    const check = validateRow(r);
    if (code === undefined) {
      expect(check).toEqual({ ok: true, row: r });
    } else {
      expect(check.ok).toBe(false);
      if (!check.ok) {
        expect(check.code).toBe(code);
        expect(check.reason.length).toBeGreaterThan(0);
        expect(check.reason.length).toBeLessThan(300);
      }
    }
  });

  it("the multi-byte cases really differ in bytes and chars", () => {
    const ok = multiByte(1).k;
    expect("k".length + ok.length).toBe(16_385);
    expect(bytes("k") + bytes(ok)).toBe(32_768);
    const tooMany = multiByte(2).k;
    expect(bytes("k") + bytes(tooMany)).toBe(32_769);
    expect(asciiTotal(32_768).k.length + 1).toBe(32_768);
  });

  it("counts bytes, not UTF-16 units, for emoji", () => {
    // "😀" is 2 UTF-16 units and 4 UTF-8 bytes: 8,192 of them are 32,768 bytes.
    const value = "😀".repeat(8_191) + "abc";
    expect(bytes("k") + bytes(value)).toBe(32_768);
    expect(validateRow(row({ fields: { k: value } })).ok).toBe(true);
    expect(validateRow(row({ fields: { k: value + "d" } }))).toMatchObject({ ok: false, code: "AttributesTooLarge" });
  });

  it("names the offending key in the reason", () => {
    const check = validateRow(row({ fields: { "bad key": "1" } }));
    expect(check.ok ? "" : check.reason).toContain('"bad key"');
  });
});
