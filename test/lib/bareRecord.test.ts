import { describe, expect, it } from "vitest";
import { bareRecord } from "../../src/lib/bareRecord.js";
import { updateContactAttributes } from "../../src/operations/updateContactAttributes/operation.js";

describe("bareRecord", () => {
  it("inherits nothing: names Object.prototype uses are own values like any other, in the order set", () => {
    const r = bareRecord<string>();
    expect("toString" in r).toBe(false);
    expect(r.constructor).toBeUndefined();
    for (const name of ["__proto__", "constructor", "toString", "hasOwnProperty", "tier"]) r[name] = `v-${name}`;
    expect(Object.keys(r)).toEqual(["__proto__", "constructor", "toString", "hasOwnProperty", "tier"]);
    expect(Object.hasOwn(r, "__proto__")).toBe(true);
    expect(Object.getOwnPropertyDescriptor(r, "__proto__")?.value).toBe("v-__proto__");
    expect(JSON.parse(JSON.stringify(r))).toEqual(Object.fromEntries(Object.entries(r)));
    // Its prototype is shared by every record and frozen: nothing set on one record reaches another.
    const proto = Object.getPrototypeOf(r) as object;
    expect(Object.getPrototypeOf(proto)).toBeNull();
    expect(Object.isFrozen(proto)).toBe(true);
    expect(Object.keys(bareRecord())).toEqual([]);
    expect("__proto__" in bareRecord()).toBe(false);
  });

  it("is what an operation's fields are made of: a column named __proto__ is an attribute", () => {
    const res = updateContactAttributes.fieldsFromCells([
      ["__proto__", "a"],
      ["constructor", "b"],
    ]);
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(Object.entries(res.fields)).toEqual([
      ["__proto__", "a"],
      ["constructor", "b"],
    ]);
    // A fold (a later row's values over an earlier's) keeps them own values too.
    expect(Object.entries(Object.assign(bareRecord(), res.fields, JSON.parse('{"__proto__":"c"}')))).toEqual([
      ["__proto__", "c"],
      ["constructor", "b"],
    ]);
  });
});
