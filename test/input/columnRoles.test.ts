import { describe, expect, it } from "vitest";
import { columnRoles } from "../../src/input/columnRoles.js";
import { InputFileError } from "../../src/input/InputFileError.js";

const FILE = "/data/in/contacts.csv";

describe("columnRoles", () => {
  const good: Array<[name: string, header: string[], expected: object]> = [
    [
      "contactId only, everything else an attribute",
      ["contactId", "tier", "segment"],
      {
        contactId: 0,
        instanceId: undefined,
        initiationTimestamp: undefined,
        fields: [
          [1, "tier"],
          [2, "segment"],
        ],
        isFailuresFile: false,
      },
    ],
    [
      "all roles, any order",
      ["tier", "initiationTimestamp", "instanceId", "contactId"],
      { contactId: 3, instanceId: 2, initiationTimestamp: 1, fields: [[0, "tier"]], isFailuresFile: false },
    ],
    ["initialContactId", ["initialContactId", "a"], { contactId: 0, fields: [[1, "a"]] }],
    ["CONTACTID upper case", ["CONTACTID", "a"], { contactId: 0 }],
    ["contactid lower case", ["x", "contactid"], { contactId: 1, fields: [[0, "x"]] }],
    ["InitialContactId as the API spells it", ["InitialContactId", "InstanceId", "a"], { contactId: 0, instanceId: 1 }],
    ["roles case-insensitive", ["contactId", "INSTANCEID", "InitiationTimestamp", "a"], { instanceId: 1, initiationTimestamp: 2 }],
    ["names trimmed", [" contactId ", " tier "], { contactId: 0, fields: [[1, "tier"]] }],
    ["# columns ignored", ["#note", "contactId", "# comment", "a"], { contactId: 1, fields: [[3, "a"]], isFailuresFile: false }],
    [
      "attribute names keep their case",
      ["contactId", "Tier", "tier"],
      {
        fields: [
          [1, "Tier"],
          [2, "tier"],
        ],
      },
    ],
    [
      "failures file: #line and #status",
      ["contactId", "a", "#line", "#status", "#errorCode", "#message", "#raw"],
      { contactId: 0, fields: [[1, "a"]], isFailuresFile: true },
    ],
    ["only #line is not a failures file", ["contactId", "a", "#line"], { isFailuresFile: false }],
    ["failures file: neutralised header names are taken back", ["contactId", "'-flag", "#line", "#status"], { fields: [[1, "-flag"]], isFailuresFile: true }],
    ["otherwise header names are kept as they are", ["contactId", "'-flag"], { fields: [[1, "'-flag"]] }],
    ["only #status is not a failures file", ["contactId", "a", "#status"], { isFailuresFile: false }],
  ];
  it.each(good)("%s", (_name, header, expected) => {
    expect(columnRoles(header, FILE)).toMatchObject(expected);
  });

  const bad: Array<[name: string, header: string[], mentions: string]> = [
    ["no contact column", ["instanceId", "tier"], "contactId"],
    ["both contactId and initialContactId", ["contactId", "initialContactId", "a"], "initialContactId"],
    ["contactId twice in different case", ["contactId", "ContactId", "a"], "ContactId"],
    ["duplicate attribute names", ["contactId", "tier", "tier"], '"tier"'],
    ["duplicate after trimming", ["contactId", "tier", " tier"], '"tier"'],
    ["duplicate contactId", ["contactId", "contactId"], '"contactId"'],
    ["duplicate # columns", ["contactId", "#note", "#note"], '"#note"'],
    ["empty header name", ["contactId", "", "a"], "column 2"],
    ["blank header name", ["contactId", "a", "  "], "column 3"],
    ["empty header", [""], "column 1"],
    ["only # columns", ["#a", "#b"], "contactId"],
    ["two instance-id columns", ["contactId", "instanceId", "InstanceId", "a"], "InstanceId"],
    ["two timestamp columns", ["contactId", "initiationTimestamp", "InitiationTimestamp", "a"], "InitiationTimestamp"],
  ];
  it.each(bad)("%s → InputFileError", (_name, header, mentions) => {
    let caught: unknown;
    try {
      columnRoles(header, FILE);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InputFileError);
    const err = caught as InputFileError;
    expect(err.name).toBe("InputFileError");
    // One sentence that names the file.
    expect(err.message.startsWith(`${FILE}: `)).toBe(true);
    expect(err.message).toMatch(/\.$/);
    expect(err.message).not.toContain("\n");
    expect(err.message).toContain(mentions);
  });

  it("shortens a very long header in the message", () => {
    const header = ["a".repeat(500), "b"];
    expect(() => columnRoles(header, FILE)).toThrow(InputFileError);
    try {
      columnRoles(header, FILE);
    } catch (err) {
      expect((err as Error).message.length).toBeLessThan(FILE.length + 300);
    }
  });
});
