import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { columnRoles, type ColumnMapping } from "../../src/input/columnRoles.js";
import { envelopeOfFields, envelopeOfObject } from "../../src/input/envelope.js";
import { readCsv } from "../../src/input/readCsv.js";
import type { SourceRecord } from "../../src/input/SourceRecord.js";
import type { Outcome } from "../../src/domain/Outcome.js";
import { writeReportFiles, type RunInfo } from "../../src/report/writeReportFiles.js";

const FILE = "/data/in/export.csv";
const DEFAULTS = { instanceId: "default-inst" };

describe("envelopeOfFields", () => {
  it("without a mapping: empty cells are not sent, ids trimmed, the default instance", () => {
    const roles = columnRoles(["contactId", "tier", "note"], FILE);
    expect(envelopeOfFields([" c1 ", "gold", ""], roles, DEFAULTS)).toEqual({
      ok: true,
      envelope: { contactId: "c1", instanceId: "default-inst", initiationTimestamp: undefined, body: { kind: "cells", cells: [["tier", "gold"]] } },
    });
  });

  it("without transforms a cell's spaces are kept", () => {
    const roles = columnRoles(["contactId", "tier"], FILE);
    expect(envelopeOfFields(["c1", " gold "], roles, DEFAULTS)).toMatchObject({ envelope: { body: { cells: [["tier", " gold "]] } } });
  });

  const mapping: ColumnMapping = {
    columns: {
      "Contact ID": "contactId",
      Started: "initiationTimestamp",
      "Case Owner": "caseOwner",
      "Internal Notes": null,
      Email: { to: "email", trim: true, case: "lower" },
      Region: { case: "upper" },
    },
    constants: { source: "crm-nightly", caseOwner: "unassigned" },
  };
  const header = ["Contact ID", "Started", "Case Owner", "Internal Notes", "Email", "Region"];
  const roles = columnRoles(header, FILE, mapping);

  it("renames, drops, transforms and adds constants", () => {
    expect(envelopeOfFields(["c1", "2026-11-21T10:00:00Z", "Ana", "secret", "  Ana@Example.COM ", "emea"], roles, DEFAULTS)).toEqual({
      ok: true,
      envelope: {
        contactId: "c1",
        instanceId: "default-inst",
        initiationTimestamp: Date.UTC(2026, 10, 21, 10),
        body: {
          kind: "cells",
          cells: [
            ["caseOwner", "Ana"],
            ["email", "ana@example.com"],
            ["Region", "EMEA"],
            ["source", "crm-nightly"],
          ],
        },
      },
    });
  });

  it("a constant fills a name the row leaves empty, and only then", () => {
    const env = envelopeOfFields(["c1", "", "", "", "", ""], roles, DEFAULTS);
    expect(env).toMatchObject({
      ok: true,
      envelope: {
        body: {
          cells: [
            ["source", "crm-nightly"],
            ["caseOwner", "unassigned"],
          ],
        },
      },
    });
  });

  it("a cell that is empty after trimming is not sent (and a constant of that name is)", () => {
    const r = columnRoles(["contactId", "Owner"], FILE, { columns: { Owner: { to: "owner", trim: true } }, constants: { owner: "nobody" } });
    expect(envelopeOfFields(["c1", "   "], r, DEFAULTS)).toMatchObject({ envelope: { body: { cells: [["owner", "nobody"]] } } });
    expect(envelopeOfFields(["c1", " Bo "], r, DEFAULTS)).toMatchObject({ envelope: { body: { cells: [["owner", "Bo"]] } } });
  });

  it("transforms apply to role columns too, before their own rules", () => {
    const r = columnRoles(["ID", "Instance", "When", "a"], FILE, {
      columns: { ID: { to: "contactId", case: "lower" }, Instance: { to: "instanceId", trim: true }, When: { to: "initiationTimestamp", trim: true } },
    });
    expect(envelopeOfFields(["ABC-1", "  ", " 1700000000 ", "x"], r, DEFAULTS)).toMatchObject({
      ok: true,
      envelope: { contactId: "abc-1", instanceId: "default-inst", initiationTimestamp: 1_700_000_000_000 },
    });
  });

  it("a bad timestamp in a mapped column is the row's problem, as before", () => {
    expect(envelopeOfFields(["c1", "yesterday", "", "", "", ""], roles, DEFAULTS)).toMatchObject({ ok: false, code: "InvalidTimestamp" });
  });

  it("a failures file: the apostrophe comes off before the transform", () => {
    const r = columnRoles(["contactId", "Code", "#line", "#status"], FILE, { columns: { Code: { to: "code", trim: true, case: "upper" } } });
    expect(envelopeOfFields(["c1", "'-ab ", "2", "failed"], r, DEFAULTS)).toMatchObject({ envelope: { body: { cells: [["code", "-AB"]] } } });
  });

  it("constants are sent as given, never un-neutralised", () => {
    const r = columnRoles(["contactId", "#line", "#status"], FILE, { constants: { note: "'-x" } });
    expect(envelopeOfFields(["c1", "2", "failed"], r, DEFAULTS)).toMatchObject({ envelope: { body: { cells: [["note", "'-x"]] } } });
  });
});

describe("a mapped run's failures.csv fed back as the same job", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "envelope-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const header = ["Contact ID", "Case Owner", "Internal Notes", "Email", "Formula"];
  const mapping: ColumnMapping = {
    columns: { "Contact ID": "contactId", "Case Owner": "caseOwner", "Internal Notes": null, Email: { to: "email", trim: true, case: "lower" } },
    constants: { source: "crm-nightly" },
  };
  const rows = [
    ["c2", "Ana", "private", " Ana@Example.com ", "=1+1"],
    ["c3", "", "", "BO@EXAMPLE.COM", "-5"],
  ];

  async function records(path: string): Promise<{ roles: ReturnType<typeof columnRoles>; records: SourceRecord[] }> {
    // openSource has no mapping yet: read the CSV and map its header here, as a mapped job will.
    const csv = await readCsv(path);
    const out: SourceRecord[] = [];
    for await (const r of csv.records) out.push(r);
    return { roles: columnRoles(csv.header, path, mapping), records: out };
  }

  it("gives the rows the original file gave", async () => {
    const outcome = (line: number, fields: string[]): Outcome => ({
      line,
      contactId: fields[0] as string,
      instanceId: "inst",
      status: "failed",
      errorCode: "InternalServiceException",
      httpStatus: 500,
      message: "m",
      attempts: 5,
      throttles: 0,
      finishedAt: Date.UTC(2026, 10, 22),
      original: { fields },
    });
    const info: RunInfo = {
      runId: "nightly-crm-1",
      parentRunId: undefined,
      input: join(dir, "export.csv"),
      format: "csv",
      header,
      createdAt: Date.UTC(2026, 10, 22),
      startedAt: undefined,
      rows: 2,
      requests: 2,
      throttled: 0,
      complete: true,
    };
    const files = await writeReportFiles(join(dir, "report"), info, [outcome(2, rows[0] as string[]), outcome(3, rows[1] as string[])]);
    const back = await records(files.failures);
    expect(back.roles.isFailuresFile).toBe(true);
    const inputRoles = columnRoles(header, FILE, mapping);
    const again = back.records.map((r) => (r.kind === "fields" ? envelopeOfFields(r.fields, back.roles, DEFAULTS) : r));
    const first = rows.map((f) => envelopeOfFields(f, inputRoles, DEFAULTS));
    expect(again).toEqual(first);
    expect(again[0]).toMatchObject({
      envelope: {
        contactId: "c2",
        body: {
          cells: [
            ["caseOwner", "Ana"],
            ["email", "ana@example.com"],
            ["Formula", "=1+1"],
            ["source", "crm-nightly"],
          ],
        },
      },
    });
  });

  it("the original file read through readCsv agrees with the fields given directly", async () => {
    const path = join(dir, "export.csv");
    await writeFile(path, [header, ...rows].map((r) => r.map((c) => `"${c}"`).join(",")).join("\n") + "\n");
    const { roles, records: recs } = await records(path);
    expect(recs.map((r) => (r.kind === "fields" ? envelopeOfFields(r.fields, roles, DEFAULTS) : r))).toEqual(
      rows.map((f) => envelopeOfFields(f, columnRoles(header, FILE, mapping), DEFAULTS)),
    );
  });
});

describe("envelopeOfObject", () => {
  it.each([
    [{ contactId: "a", ContactId: "b", attributes: { x: "1" } }, '"contactId" and "ContactId"'],
    [{ contactId: "a", InitialContactId: "b", attributes: { x: "1" } }, '"contactId" and "InitialContactId"'],
    [{ contactId: "a", attributes: { a: "1" }, Attributes: { b: "2" } }, '"attributes" and "Attributes"'],
    [{ contactId: "a", instanceId: "", InstanceId: "i2", attributes: { x: "1" } }, '"instanceId" and "InstanceId"'],
  ])("members naming one thing twice make the row invalid, naming both: %j", (obj, names) => {
    expect(envelopeOfObject(obj, DEFAULTS)).toEqual({ ok: false, code: "AmbiguousMembers", reason: `has both ${names}, which name the same thing; keep one` });
  });

  it("attribute names that differ only by case are two attributes (Connect's names are case-sensitive)", () => {
    expect(envelopeOfObject({ contactId: "a", attributes: { tier: "1", Tier: "2" } }, DEFAULTS)).toMatchObject({ ok: true });
  });
});
