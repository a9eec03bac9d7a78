import { describe, expect, it } from "vitest";
import { columnRoles, transformCell, type ColumnMapping } from "../../src/input/columnRoles.js";
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
    ["a near miss of contactId is named", ["contact_id", "tier"], 'its column "contact_id" looks meant as "contactId"'],
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

  it("a file without its header line: the message names the problem, not the first row's customer data", () => {
    expect(() => columnRoles(["c77", "john.doe@example.com", "+44 7700 900123"], FILE)).toThrow(
      `${FILE}: no contactId (or initialContactId) column in the header (its first line, of 3 columns); if the file has no header line, add one naming its columns (contactId, then the attributes).`,
    );
  });

  it("a job's mapping that finds no column in a file without its header line: its cells are not said either", () => {
    let message = "";
    try {
      columnRoles(["c77", "john.doe@example.com", "+44 7700 900123"], FILE, { columns: { "Contact ID": "contactId" } });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe(
      `${FILE}: the column mapping names "Contact ID", which the header (its first line, of 3 columns) does not have; map only columns the file has.`,
    );
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

describe("columnRoles with a mapping", () => {
  const header = ["Contact ID", "Started", "Case Owner", "Internal Notes", "Email", "tier"];
  const mapping: ColumnMapping = {
    columns: {
      "Contact ID": "contactId",
      Started: "initiationTimestamp",
      "Case Owner": "caseOwner",
      "Internal Notes": null,
      Email: { to: "email", trim: true, case: "lower" },
    },
    constants: { source: "crm-nightly" },
  };

  it("renames to roles and fields, drops null columns, keeps unmapped headers, carries transforms and constants", () => {
    expect(columnRoles(header, FILE, mapping)).toEqual({
      contactId: 0,
      instanceId: undefined,
      initiationTimestamp: 1,
      fields: [
        [2, "caseOwner"],
        [4, "email"],
        [5, "tier"],
      ],
      isFailuresFile: false,
      transforms: new Map([[4, { trim: true, case: "lower" }]]),
      constants: [["source", "crm-nightly"]],
    });
  });

  it("no mapping, or an empty one, gives today's roles with nothing more", () => {
    const plain = columnRoles(["contactId", "tier"], FILE);
    expect(plain).toEqual({ contactId: 0, instanceId: undefined, initiationTimestamp: undefined, fields: [[1, "tier"]], isFailuresFile: false });
    expect(columnRoles(["contactId", "tier"], FILE, {})).toEqual(plain);
    expect(columnRoles(["contactId", "tier"], FILE, { columns: {}, constants: {} })).toEqual(plain);
  });

  const good: Array<[name: string, header: string[], mapping: ColumnMapping, expected: object]> = [
    ["role targets are matched without regard to case", ["ID", "a"], { columns: { ID: "initialcontactid" } }, { contactId: 0, fields: [[1, "a"]] }],
    ["to an instance id", ["contactId", "Instance"], { columns: { Instance: "instanceId" } }, { instanceId: 1, fields: [] }],
    ["a key matches the trimmed header cell", ["contactId", "  Case Owner "], { columns: { "Case Owner": "owner" } }, { fields: [[1, "owner"]] }],
    [
      "a transform without a new name keeps the header's",
      ["contactId", "Tier"],
      { columns: { Tier: { case: "upper" } } },
      { fields: [[1, "Tier"]], transforms: new Map([[1, { case: "upper" }]]) },
    ],
    ["an object with no transform is a rename only", ["contactId", "T"], { columns: { T: { to: "tier" } } }, { fields: [[1, "tier"]] }],
    ["trim: false is no transform", ["contactId", "T"], { columns: { T: { to: "tier", trim: false } } }, { fields: [[1, "tier"]] }],
    ["a # column can be mapped in", ["contactId", "#tier"], { columns: { "#tier": "tier" } }, { fields: [[1, "tier"]] }],
    ["the target name is trimmed", ["contactId", "T"], { columns: { T: " tier " } }, { fields: [[1, "tier"]] }],
    ["a mapped column may take a dropped column's name", ["contactId", "email", "Email"], { columns: { email: null, Email: "email" } }, { fields: [[2, "email"]] }],
    [
      "two columns swapped",
      ["contactId", "a", "b"],
      { columns: { a: "b", b: "a" } },
      {
        fields: [
          [1, "b"],
          [2, "a"],
        ],
      },
    ],
    [
      "UpdateContact field names are names like any other",
      ["contactId", "Name", "CRM link", "Tier"],
      { columns: { Name: "name", "CRM link": "ref:crm:URL", Tier: "seg:tier" } },
      {
        fields: [
          [1, "name"],
          [2, "ref:crm:URL"],
          [3, "seg:tier"],
        ],
      },
    ],
    [
      "failures file of a mapped run: the original header, mapped again, # columns ignored",
      ["Contact ID", "'-Flag", "Notes", "#line", "#status", "#errorCode", "#message", "#raw"],
      { columns: { "Contact ID": "contactId", "-Flag": "flag", Notes: null } },
      { contactId: 0, fields: [[1, "flag"]], isFailuresFile: true },
    ],
    [
      "constants only",
      ["contactId"],
      { constants: { source: "crm", "seg:tier": "gold" } },
      {
        fields: [],
        constants: [
          ["source", "crm"],
          ["seg:tier", "gold"],
        ],
      },
    ],
    [
      "a constant may share a column's name (the cell wins when it has one)",
      ["contactId", "source"],
      { constants: { source: "crm" } },
      { fields: [[1, "source"]], constants: [["source", "crm"]] },
    ],
  ];
  it.each(good)("%s", (_name, h, m, expected) => {
    expect(columnRoles(h, FILE, m)).toMatchObject(expected);
  });

  const bad: Array<[name: string, header: string[], mapping: ColumnMapping, mentions: string[]]> = [
    ["a key naming no column", ["Contact ID", "Owner"], { columns: { "Contact ID": "contactId", "Case Owner": "owner" } }, ['"Case Owner"', "of 2 columns"]],
    ["a dropped column that is not there", ["contactId", "a"], { columns: { Notes: null } }, ['"Notes"']],
    ["keys are matched with their case", ["contactId", "case owner"], { columns: { "Case Owner": "owner" } }, ['"Case Owner"', 'did you mean "case owner"?']],
    ["keys are not trimmed", ["contactId", "Owner"], { columns: { " Owner": "owner" } }, ['" Owner"']],
    ["several keys naming no column", ["contactId"], { columns: { a: "x", b: "y" } }, ['"a", "b"']],
    ["two columns to one field", ["contactId", "Email", "E-mail"], { columns: { Email: "email", "E-mail": "email" } }, ['"Email"', '"E-mail"', '"email"']],
    ["a column to an unmapped column's name", ["contactId", "email", "Email"], { columns: { Email: "email" } }, ['"email"', '"Email"']],
    ["two columns to contactId", ["ID", "contactId", "a"], { columns: { ID: "contactId" } }, ['"ID"', '"contactId"', "contact-id"]],
    ["two columns to instanceId", ["contactId", "Inst", "instanceId"], { columns: { Inst: "instanceId" } }, ['"Inst"', '"instanceId"']],
    ["two columns to initiationTimestamp", ["contactId", "A", "B"], { columns: { A: "initiationTimestamp", B: "initiationTimestamp" } }, ['"A"', '"B"']],
    ["the contact column dropped", ["contactId", "a"], { columns: { contactId: null } }, ["no contactId", "(its first line, of 2 columns)"]],
    ["an empty target name", ["contactId", "a"], { columns: { a: " " } }, ['"a"', "null"]],
    ["a # target name", ["contactId", "a"], { columns: { a: { to: "#a" } } }, ['"#a"']],
    ["a constant named like a role", ["contactId"], { constants: { instanceId: "x" } }, ['"instanceId"']],
    ["a # constant", ["contactId"], { constants: { "#x": "x" } }, ['"#x"']],
  ];
  it.each(bad)("%s → InputFileError", (_name, h, m, mentions) => {
    let caught: unknown;
    try {
      columnRoles(h, FILE, m);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InputFileError);
    const message = (caught as Error).message;
    expect(message.startsWith(`${FILE}: `)).toBe(true);
    expect(message).toMatch(/\.$/);
    expect(message).not.toContain("\n");
    for (const m of mentions) expect(message).toContain(m);
  });

  it("a mapping survives JSON, as a run manifest stores it", () => {
    expect(columnRoles(header, FILE, JSON.parse(JSON.stringify(mapping)))).toEqual(columnRoles(header, FILE, mapping));
  });
});

describe("transformCell", () => {
  it.each([
    [" A@B.com ", { trim: true, case: "lower" as const }, "a@b.com"],
    [" a ", { trim: true }, "a"],
    [" a ", { case: "upper" as const }, " A "],
    ["Straße", { case: "upper" as const }, "STRASSE"],
    ["   ", { trim: true }, ""],
    ["x", {}, "x"],
  ])("%j with %j → %j", (value, t, expected) => {
    expect(transformCell(value, t)).toBe(expected);
  });
});
