import { describe, expect, it } from "vitest";
import { columnMappingOf, mappingProblem } from "../../src/jobs/columnMapping.js";

describe("columnMappingOf", () => {
  it("nothing mapped: undefined", () => {
    expect(columnMappingOf({})).toBeUndefined();
  });

  it("columns as written, constants as text: plain JSON for the run manifest", () => {
    const m = columnMappingOf({
      columns: { "Contact ID": "contactId", Notes: null, Email: { to: "email", trim: true } },
      constants: { source: "crm", batch: 7, vip: false },
    });
    expect(m).toEqual({
      columns: { "Contact ID": "contactId", Notes: null, Email: { to: "email", trim: true } },
      constants: { source: "crm", batch: "7", vip: "false" },
    });
    expect(JSON.parse(JSON.stringify(m))).toEqual(m);
  });

  it("constants alone", () => {
    expect(columnMappingOf({ constants: { a: "b" } })).toEqual({ constants: { a: "b" } });
  });
});

describe("mappingProblem", () => {
  it.each([
    [{ columns: { a: "x", b: "y", c: null, d: { trim: true } } }],
    [{ columns: { a: null, b: null } }],
    [{ columns: { Email: "email" }, constants: { email: "none" } }],
    [{ columns: { d: { trim: true } }, constants: { d: "x" } }],
  ])("none in %j", (m) => {
    expect(mappingProblem(m)).toBeUndefined();
  });

  it.each([
    [{ columns: { a: "x", b: { to: "x" } } }, 'columns["b"].to', '"x"'],
    [{ columns: { x: { trim: true }, b: "x" } }, 'columns["b"]', 'columns["x"]'],
    [{ columns: { a: "instanceId", b: "INSTANCEID" } }, 'columns["b"]', '"INSTANCEID"'],
    [{ columns: { a: "contactId", b: "initialContactId" } }, 'columns["b"]', 'columns["a"]'],
    [{ columns: { a: "#a" } }, 'columns["a"]', '"#"'],
    [{ columns: { a: { to: " " } } }, 'columns["a"].to', "null drops"],
    [{ constants: { initiationTimestamp: "x" } }, 'constants["initiationTimestamp"]', "own column"],
    [{ constants: { "": "x" } }, 'constants[""]', "field name"],
  ])("%j: %s", (m, key, mentions) => {
    const p = mappingProblem(m);
    expect(p?.key).toBe(key);
    expect(`${p?.key} ${p?.problem}`).toContain(mentions);
  });
});
