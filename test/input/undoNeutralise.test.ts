import { describe, expect, it } from "vitest";
import { undoNeutralise } from "../../src/input/undoNeutralise.js";

describe("undoNeutralise", () => {
  it.each([
    ["'=SUM(A1)", "=SUM(A1)"],
    ["'+1", "+1"],
    ["'-1", "-1"],
    ["'@cmd", "@cmd"],
    ["'\tx", "\tx"],
    ["'\rx", "\rx"],
    ["''=x", "'=x"],
    ["'''-x", "''-x"],
    ["'", "'"],
    ["''x", "''x"],
    ["'x", "'x"],
    ["'1-2", "'1-2"],
    ["=x", "=x"],
    ["", ""],
    ["a'=b", "a'=b"],
  ])("%j → %j", (cell, value) => {
    expect(undoNeutralise(cell)).toBe(value);
  });
});
