import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ColumnRoles } from "../../src/input/columnRoles.js";
import { checkRecord, type RowDefaults } from "../../src/operations/checkRecord.js";
import { updateContactAttributes } from "../../src/operations/updateContactAttributes/operation.js";

const normalizeFields = (fields: string[], roles: ColumnRoles, line: number, defaults: RowDefaults) =>
  checkRecord({ kind: "fields", line, fields }, roles, defaults, updateContactAttributes);
import { openSource } from "../../src/input/openSource.js";
import { undoNeutralise } from "../../src/input/undoNeutralise.js";
import { csvCell, csvLine, neutralise } from "../../src/report/spreadsheetSafe.js";

describe("neutralise", () => {
  it.each([
    ["=SUM(A1:A9)", "'=SUM(A1:A9)"],
    ["+1", "'+1"],
    ["-1", "'-1"],
    ["@cmd", "'@cmd"],
    ["\tx", "'\tx"],
    ["\rx", "'\rx"],
    ["=", "'="],
    ["a=b", "a=b"],
    ["", ""],
    ["1-2", "1-2"],
    ["plain", "plain"],
    [" =x", " =x"],
    ["\nx", "\nx"],
    ["'x", "'x"],
    ["'=x", "''=x"],
    ["''+x", "'''+x"],
    ["é=", "é="],
  ])("%j → %j", (cell, out) => {
    expect(neutralise(cell)).toBe(out);
  });

  it.each(["'=x", "'+x", "'-x", "'@x", "'\tx", "''=x"])("protects a value that already looks neutralised: %j", (cell) => {
    // Otherwise feeding the failures file back would take off an apostrophe that was part of the value.
    expect(undoNeutralise(neutralise(cell))).toBe(cell);
  });
});

describe("csvCell", () => {
  it.each([
    ["plain", "plain"],
    ["", ""],
    ["a,b", '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['"', '""""'],
    ["a\nb", '"a\nb"'],
    ["a\r\nb", '"a\r\nb"'],
    ["a\rb", '"a\rb"'],
    ["é 😀", "é 😀"],
    ["a;b", "a;b"],
    ["a\tb", "a\tb"],
    ["=1,2", `"'=1,2"`],
    ["\rx", `"'\rx"`],
    ["-", "'-"],
  ])("%j → %j", (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it("csvLine joins cells with commas and ends with CRLF", () => {
    expect(csvLine(["a", "b,c", "=d", ""])).toBe(`a,"b,c",'=d,\r\n`);
    expect(csvLine([])).toBe("\r\n");
  });
});

describe("round trip through a failures file", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "ssafe-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const values = [
    "=SUM(A1:A2)",
    "+4930123",
    "-12",
    "@SUM(1)",
    "\tindented",
    "\rcarriage",
    "a,b",
    'say "hi"',
    "multi\nline",
    "crlf\r\nline",
    "'=already",
    "''=twice",
    "'plain",
    "'",
    "é 😀 €",
    " lead",
    "=",
  ];

  it.each(values)("%j comes back unchanged", async (value) => {
    const header = ["contactId", "instanceId", "v", "#line", "#status", "#errorCode", "#message", "#raw"];
    const text = `\uFEFF${csvLine(header)}${csvLine(["=c-1", "-inst", value, "2", "failed", "E", "=msg", ""])}${csvLine(["c-2", "i", "ok", "3", "invalid", "", "", ""])}`;
    const path = join(dir, "failures.csv");
    await writeFile(path, text);
    const src = await openSource(path, "csv");
    expect(src.roles?.isFailuresFile).toBe(true);
    const rows = [];
    for await (const rec of src.records) {
      if (rec.kind !== "fields") throw new Error(`unexpected ${rec.kind} at ${rec.line}`);
      rows.push(normalizeFields(rec.fields, src.roles!, rec.line, { instanceId: undefined }));
    }
    expect(rows).toEqual([
      { ok: true, row: { line: 2, contactId: "=c-1", instanceId: "-inst", initiationTimestamp: undefined, fields: { v: value } } },
      {
        ok: true,
        row: { line: 3 + (value.match(/\n/g)?.length ?? 0), contactId: "c-2", instanceId: "i", initiationTimestamp: undefined, fields: { v: "ok" } },
      },
    ]);
  });
});
