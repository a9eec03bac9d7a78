import { describe, expect, it } from "vitest";
import { columnRoles } from "../../src/input/columnRoles.js";
import type { ColumnRoles } from "../../src/input/columnRoles.js";
import { checkRecord, type RowDefaults } from "../../src/operations/checkRecord.js";
import type { RowCheck } from "../../src/operations/ContactRow.js";
import { updateContactAttributes } from "../../src/operations/updateContactAttributes/operation.js";

// The envelope (contact, instance, start) as the file gives it, then UpdateContactAttributes' fields.
const normalizeFields = (fields: string[], roles: ColumnRoles, line: number, defaults: RowDefaults): RowCheck =>
  checkRecord({ kind: "fields", line, fields }, roles, defaults, updateContactAttributes);
const normalizeObject = (value: Record<string, unknown>, line: number, defaults: RowDefaults): RowCheck =>
  checkRecord({ kind: "object", line, value }, undefined, defaults, updateContactAttributes);

const NO_DEFAULT: RowDefaults = { instanceId: undefined };
const WITH_DEFAULT: RowDefaults = { instanceId: "default-instance" };
const T_2021 = Date.UTC(2021, 5, 1);

function okRow(check: RowCheck) {
  if (!check.ok) throw new Error(`expected a row, got ${check.code}: ${check.reason}`);
  return check.row;
}

describe("normalizeFields", () => {
  const header = ["contactId", "instanceId", "initiationTimestamp", "tier", "#note", "segment"];
  const roles = columnRoles(header, "in.csv");

  type Case = [name: string, fields: string[], defaults: RowDefaults, expected: object | string];
  const cases: Case[] = [
    [
      "every column given",
      ["c-1", "inst-1", "2021-06-01T00:00:00Z", "gold", "note", "smb"],
      NO_DEFAULT,
      { line: 7, contactId: "c-1", instanceId: "inst-1", initiationTimestamp: T_2021, fields: { tier: "gold", segment: "smb" } },
    ],
    ["empty cells are not sent", ["c-1", "inst-1", "", "gold", "", ""], NO_DEFAULT, { fields: { tier: "gold" } }],
    ["# column ignored even when filled", ["c-1", "inst-1", "", "gold", "=1+1", ""], NO_DEFAULT, { fields: { tier: "gold" } }],
    ["whitespace value is sent as is", ["c-1", "inst-1", "", "  ", "", " x "], NO_DEFAULT, { fields: { tier: "  ", segment: " x " } }],
    ["ids are trimmed", [" c-1 ", " inst-1 ", "", "gold", "", ""], NO_DEFAULT, { contactId: "c-1", instanceId: "inst-1" }],
    ["default instance used when the row has none", ["c-1", "", "", "gold", "", ""], WITH_DEFAULT, { instanceId: "default-instance" }],
    ["default instance used when the cell is blank", ["c-1", "  ", "", "gold", "", ""], WITH_DEFAULT, { instanceId: "default-instance" }],
    ["row's instance wins over the default", ["c-1", "inst-1", "", "gold", "", ""], WITH_DEFAULT, { instanceId: "inst-1" }],
    ["no instance and no default", ["c-1", "", "", "gold", "", ""], NO_DEFAULT, "MissingInstanceId"],
    ["no contact id", ["", "inst-1", "", "gold", "", ""], NO_DEFAULT, "MissingContactId"],
    ["every attribute cell empty", ["c-1", "inst-1", "", "", "x", ""], NO_DEFAULT, "NoAttributes"],
    ["epoch seconds timestamp", ["c-1", "inst-1", "1622505600", "gold", "", ""], NO_DEFAULT, { initiationTimestamp: T_2021 }],
    ["epoch ms timestamp", ["c-1", "inst-1", "1622505600000", "gold", "", ""], NO_DEFAULT, { initiationTimestamp: T_2021 }],
    ["blank timestamp means none", ["c-1", "inst-1", "   ", "gold", "", ""], NO_DEFAULT, { initiationTimestamp: undefined }],
    ["timestamp that is words", ["c-1", "inst-1", "last tuesday", "gold", "", ""], NO_DEFAULT, "InvalidTimestamp"],
    ["timestamp that is not a date", ["c-1", "inst-1", "2021-02-30", "gold", "", ""], NO_DEFAULT, "InvalidTimestamp"],
    ["short record: missing cells read as empty", ["c-1", "inst-1"], NO_DEFAULT, "NoAttributes"],
    ["neutralised cell kept outside a failures file", ["c-1", "inst-1", "", "'=1+1", "", ""], NO_DEFAULT, { fields: { tier: "'=1+1" } }],
  ];

  it.each(cases)("%s", (_name, fields, defaults, expected) => {
    const check = normalizeFields(fields, roles, 7, defaults);
    if (typeof expected === "string") {
      expect(check).toMatchObject({ ok: false, code: expected });
    } else {
      expect(okRow(check)).toMatchObject(expected);
    }
  });

  it("without an instanceId column uses the default", () => {
    const r = columnRoles(["contactId", "tier"], "in.csv");
    expect(okRow(normalizeFields(["c-1", "gold"], r, 2, WITH_DEFAULT))).toMatchObject({ instanceId: "default-instance" });
    expect(normalizeFields(["c-1", "gold"], r, 2, NO_DEFAULT)).toMatchObject({ ok: false, code: "MissingInstanceId" });
  });

  it("the timestamp error quotes the text", () => {
    const check = normalizeFields(["c-1", "inst-1", "soon", "gold", "", ""], roles, 3, NO_DEFAULT);
    expect(check.ok ? "" : check.reason).toContain('"soon"');
  });

  describe("failures file fed back (#line and #status in the header)", () => {
    const failuresHeader = ["contactId", "instanceId", "initiationTimestamp", "formula", "plain", "#line", "#status", "#errorCode", "#message", "#raw"];
    const partialHeader = ["contactId", "instanceId", "initiationTimestamp", "formula", "plain", "#line", "#errorCode"];
    const fields = ["'=c-1", "'-inst", "1622505600", "'=SUM(A1:A2)", "'quoted", "2", "'=x", "E", "'-m", ""];

    it("takes the apostrophe off neutralised cells", () => {
      const check = normalizeFields(fields, columnRoles(failuresHeader, "failures.csv"), 2, NO_DEFAULT);
      expect(okRow(check)).toEqual({
        line: 2,
        contactId: "=c-1",
        instanceId: "-inst",
        initiationTimestamp: T_2021,
        fields: { formula: "=SUM(A1:A2)", plain: "'quoted" },
      });
    });

    it.each([
      ["'@x", "@x"],
      ["'+x", "+x"],
      ["'-x", "-x"],
      ["'\tx", "\tx"],
      ["'\rx", "\rx"],
      ["'x", "'x"],
      ["''x", "''x"],
      ["x'=", "x'="],
    ])("cell %j reads as %j", (cell, value) => {
      const r = columnRoles(["contactId", "instanceId", "v", "#line", "#status"], "failures.csv");
      expect(okRow(normalizeFields(["c", "i", cell, "2", "invalid"], r, 2, NO_DEFAULT)).fields).toEqual({ v: value });
    });

    it("leaves cells alone when the header lacks #status", () => {
      expect(okRow(normalizeFields(fields.slice(0, 7), columnRoles(partialHeader, "x.csv"), 2, NO_DEFAULT))).toMatchObject({
        contactId: "'=c-1",
        instanceId: "'-inst",
        fields: { formula: "'=SUM(A1:A2)", plain: "'quoted" },
      });
    });
  });
});

describe("normalizeObject", () => {
  type Case = [name: string, obj: Record<string, unknown>, defaults: RowDefaults, expected: object | string];
  const cases: Case[] = [
    [
      "our own names",
      { contactId: "c-1", instanceId: "inst-1", initiationTimestamp: "2021-06-01T00:00:00Z", attributes: { tier: "gold" } },
      NO_DEFAULT,
      { line: 4, contactId: "c-1", instanceId: "inst-1", initiationTimestamp: T_2021, fields: { tier: "gold" } },
    ],
    [
      "the API's names",
      { InitialContactId: "c-1", InstanceId: "inst-1", InitiationTimestamp: 1622505600, Attributes: { tier: "gold" } },
      NO_DEFAULT,
      { contactId: "c-1", instanceId: "inst-1", initiationTimestamp: T_2021, fields: { tier: "gold" } },
    ],
    ["initialContactId", { initialContactId: "c-2", attributes: { a: "1" } }, WITH_DEFAULT, { contactId: "c-2" }],
    ["ContactId", { ContactId: "c-3", attributes: { a: "1" } }, WITH_DEFAULT, { contactId: "c-3" }],
    ["ids are trimmed", { contactId: " c-1 ", instanceId: " i ", attributes: { a: "1" } }, NO_DEFAULT, { contactId: "c-1", instanceId: "i" }],
    ["numeric contact id becomes text", { contactId: 12345, attributes: { a: "1" } }, WITH_DEFAULT, { contactId: "12345" }],
    [
      "numbers and booleans become strings",
      { contactId: "c", attributes: { n: 42, f: 1.5, z: 0, t: true, no: false, s: "x" } },
      WITH_DEFAULT,
      { fields: { n: "42", f: "1.5", z: "0", t: "true", no: "false", s: "x" } },
    ],
    ["null values are skipped", { contactId: "c", attributes: { a: null, b: "2" } }, WITH_DEFAULT, { fields: { b: "2" } }],
    ["empty string is sent (blanks the value)", { contactId: "c", attributes: { a: "" } }, WITH_DEFAULT, { fields: { a: "" } }],
    ["only null values", { contactId: "c", attributes: { a: null } }, WITH_DEFAULT, "NoAttributes"],
    ["object value", { contactId: "c", attributes: { a: { b: 1 } } }, WITH_DEFAULT, "InvalidAttributeValue"],
    ["array value", { contactId: "c", attributes: { a: [1, 2] } }, WITH_DEFAULT, "InvalidAttributeValue"],
    ["attributes missing", { contactId: "c" }, WITH_DEFAULT, "NoAttributes"],
    ["attributes null", { contactId: "c", attributes: null }, WITH_DEFAULT, "NoAttributes"],
    ["attributes an array", { contactId: "c", attributes: ["a"] }, WITH_DEFAULT, "NoAttributes"],
    ["attributes a string", { contactId: "c", attributes: "a=1" }, WITH_DEFAULT, "NoAttributes"],
    ["default instance used when the row has none", { contactId: "c", attributes: { a: "1" } }, WITH_DEFAULT, { instanceId: "default-instance" }],
    ["default instance used when instanceId is null", { contactId: "c", instanceId: null, attributes: { a: "1" } }, WITH_DEFAULT, { instanceId: "default-instance" }],
    ["default instance used when instanceId is blank", { contactId: "c", instanceId: " ", attributes: { a: "1" } }, WITH_DEFAULT, { instanceId: "default-instance" }],
    ["row's instance wins", { contactId: "c", instanceId: "mine", attributes: { a: "1" } }, WITH_DEFAULT, { instanceId: "mine" }],
    ["no instance, no default", { contactId: "c", attributes: { a: "1" } }, NO_DEFAULT, "MissingInstanceId"],
    ["instanceId an object", { contactId: "c", instanceId: {}, attributes: { a: "1" } }, WITH_DEFAULT, "MissingInstanceId"],
    ["no contact id", { attributes: { a: "1" } }, WITH_DEFAULT, "MissingContactId"],
    ["contact id null", { contactId: null, attributes: { a: "1" } }, WITH_DEFAULT, "MissingContactId"],
    ["contact id an array", { contactId: ["c"], attributes: { a: "1" } }, WITH_DEFAULT, "MissingContactId"],
    ["timestamp epoch ms number", { contactId: "c", initiationTimestamp: 1622505600000, attributes: { a: "1" } }, WITH_DEFAULT, { initiationTimestamp: T_2021 }],
    ["timestamp null means none", { contactId: "c", initiationTimestamp: null, attributes: { a: "1" } }, WITH_DEFAULT, { initiationTimestamp: undefined }],
    ["timestamp words", { contactId: "c", initiationTimestamp: "soon", attributes: { a: "1" } }, WITH_DEFAULT, "InvalidTimestamp"],
    ["timestamp impossible date", { contactId: "c", initiationTimestamp: "2021-13-01", attributes: { a: "1" } }, WITH_DEFAULT, "InvalidTimestamp"],
    ["timestamp an object", { contactId: "c", initiationTimestamp: { s: 1 }, attributes: { a: "1" } }, WITH_DEFAULT, "InvalidTimestamp"],
    ["timestamp a boolean", { contactId: "c", initiationTimestamp: true, attributes: { a: "1" } }, WITH_DEFAULT, "InvalidTimestamp"],
    ["invalid key still caught", { contactId: "c", attributes: { "a b": "1" } }, WITH_DEFAULT, "InvalidAttributeKey"],
  ];

  it.each(cases)("%s", (_name, obj, defaults, expected) => {
    const check = normalizeObject(obj, 4, defaults);
    if (typeof expected === "string") {
      expect(check).toMatchObject({ ok: false, code: expected });
      if (!check.ok) expect(check.reason.length).toBeGreaterThan(0);
    } else {
      expect(okRow(check)).toMatchObject(expected);
    }
  });

  it("does not un-neutralise JSONL values", () => {
    expect(okRow(normalizeObject({ contactId: "c", attributes: { a: "'=x" } }, 1, WITH_DEFAULT)).fields).toEqual({ a: "'=x" });
  });
});
