import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { columnRoles } from "../../src/input/columnRoles.js";
import type { ColumnRoles } from "../../src/input/columnRoles.js";
import { checkRecord, type RowDefaults } from "../../src/operations/checkRecord.js";
import { updateContactAttributes } from "../../src/operations/updateContactAttributes/operation.js";

const normalizeFields = (fields: string[], roles: ColumnRoles, line: number, defaults: RowDefaults) =>
  checkRecord({ kind: "fields", line, fields }, roles, defaults, updateContactAttributes);
const normalizeObject = (value: Record<string, unknown>, line: number, defaults: RowDefaults) =>
  checkRecord({ kind: "object", line, value }, undefined, defaults, updateContactAttributes);
import { openSource } from "../../src/input/openSource.js";
import type { SourceRecord } from "../../src/input/SourceRecord.js";
import type { Outcome } from "../../src/domain/Outcome.js";
import { summarise } from "../../src/report/SummaryBuilder.js";
import { FAILURE_COLUMNS, OUTCOME_COLUMNS, writeReportFiles, type RunInfo } from "../../src/report/writeReportFiles.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "reports-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const T0 = Date.UTC(2024, 0, 2, 3, 4, 5);
const DEFAULTS = { instanceId: "default-inst" };

function outcome(over: Partial<Outcome> & Pick<Outcome, "line" | "status">): Outcome {
  return {
    contactId: `c${over.line}`,
    instanceId: "inst",
    errorCode: "",
    httpStatus: undefined,
    message: "",
    attempts: 1,
    throttles: 0,
    finishedAt: T0 + over.line * 1000,
    original: undefined,
    ...over,
  };
}

function info(over: Partial<RunInfo>): RunInfo {
  return {
    runId: "run-1",
    parentRunId: undefined,
    input: "/data/in.csv",
    format: "csv",
    header: undefined,
    createdAt: T0,
    startedAt: T0,
    rows: 0,
    requests: 0,
    throttled: 0,
    complete: true,
    ...over,
  };
}

/** The data rows of a CSV report, BOM and header checked. */
async function csvRows(path: string, header: readonly string[]): Promise<string[][]> {
  const text = await readFile(path, "utf8");
  expect(text.startsWith("\uFEFF")).toBe(true);
  const rows = parse(text, { bom: true, relax_column_count: false }) as string[][];
  expect(rows[0]).toEqual(header);
  return rows.slice(1);
}

async function readBack(path: string): Promise<{ records: SourceRecord[]; source: Awaited<ReturnType<typeof openSource>> }> {
  const source = await openSource(path, "csv");
  const records: SourceRecord[] = [];
  for await (const r of source.records) records.push(r);
  return { records, source };
}

describe("writeReportFiles, CSV run", () => {
  const header = ["contactId", "instanceId", "tier", "#note", "segment"];
  const fields = {
    3: ["c3", "inst", "", "my note", ""],
    4: ["c4", "inst", '=HYPERLINK("http://x")', "n,4", "-5"],
    8: ["c8", "", "gold", "", 'multi\nline, "quoted"'],
  };
  const outcomes: Outcome[] = [
    outcome({ line: 2, status: "updated" }),
    outcome({ line: 3, status: "invalid", errorCode: "NoAttributes", message: "line 3 has no attribute to set", attempts: 0, original: { fields: fields[3] } }),
    outcome({
      line: 4,
      status: "failed",
      errorCode: "ResourceNotFoundException",
      httpStatus: 404,
      message: "=not found, really",
      attempts: 2,
      throttles: 1,
      original: { fields: fields[4] },
    }),
    outcome({ line: 5, status: "skipped_pre_api", attempts: 0, message: "started before 2018-09-12" }),
    outcome({ line: 7, status: "invalid", contactId: "", instanceId: "", errorCode: "RaggedRow", attempts: 0, original: { raw: "c7,x,y,z,w,v" } }),
    outcome({
      line: 8,
      status: "failed",
      errorCode: "ThrottlingException",
      httpStatus: 429,
      message: "Rate exceeded\nafter 5 tries",
      attempts: 5,
      throttles: 5,
      original: { fields: fields[8] },
    }),
  ];
  const run = info({ header, rows: 6, requests: 8, throttled: 6 });

  it("writes outcomes.csv with exactly the documented columns", async () => {
    const files = await writeReportFiles(join(dir, "run-1"), run, outcomes);
    expect(OUTCOME_COLUMNS).toEqual(["line", "contactId", "instanceId", "status", "errorCode", "httpStatus", "message", "attempts", "finishedAt"]);
    const rows = await csvRows(files.outcomes, OUTCOME_COLUMNS);
    expect(rows).toEqual([
      ["2", "c2", "inst", "updated", "", "", "", "1", "2024-01-02T03:04:07.000Z"],
      ["3", "c3", "inst", "invalid", "NoAttributes", "", "line 3 has no attribute to set", "0", "2024-01-02T03:04:08.000Z"],
      ["4", "c4", "inst", "failed", "ResourceNotFoundException", "404", "'=not found, really", "2", "2024-01-02T03:04:09.000Z"],
      ["5", "c5", "inst", "skipped_pre_api", "", "", "started before 2018-09-12", "0", "2024-01-02T03:04:10.000Z"],
      ["7", "", "", "invalid", "RaggedRow", "", "", "0", "2024-01-02T03:04:12.000Z"],
      ["8", "c8", "inst", "failed", "ThrottlingException", "429", "Rate exceeded\nafter 5 tries", "5", "2024-01-02T03:04:13.000Z"],
    ]);
    // CRLF line ends, as spreadsheets expect.
    expect((await readFile(files.outcomes, "utf8")).split("\r\n")[0]).toBe(`\uFEFF${OUTCOME_COLUMNS.join(",")}`);
  });

  it("a report of many blocks (its write blocks taken again once the disk has them) holds every line as made, in order", async () => {
    // ~40 blocks of 256 KiB: a block taken again before its bytes were written would show as another row's text here.
    const many = Array.from({ length: 60_000 }, (_, i) =>
      outcome({ line: i + 2, status: i % 3 === 0 ? "failed" : "updated", message: i % 3 === 0 ? `row ${i} failed: ${"é".repeat(i % 50)}x` : "", finishedAt: T0 + i }),
    );
    const files = await writeReportFiles(join(dir, "run-many"), info({ rows: many.length }), many);
    const rows = await csvRows(files.outcomes, OUTCOME_COLUMNS);
    expect(rows).toHaveLength(many.length);
    rows.forEach((r, i) => {
      const o = many[i] as Outcome;
      expect(r.slice(0, 4)).toEqual([String(o.line), o.contactId, "inst", o.status]);
      expect(r[6]).toBe(o.message);
      expect(r[8]).toBe(new Date(o.finishedAt).toISOString());
    });
  });

  it("writes failures.csv: original columns, then #line,#status,#errorCode,#message,#raw, failed and invalid rows only", async () => {
    const files = await writeReportFiles(join(dir, "run-1"), run, outcomes);
    expect(FAILURE_COLUMNS).toEqual(["#line", "#status", "#errorCode", "#message", "#raw"]);
    const rows = await csvRows(files.failures, [...header, ...FAILURE_COLUMNS]);
    expect(rows).toEqual([
      ["c3", "inst", "", "my note", "", "3", "invalid", "NoAttributes", "line 3 has no attribute to set", ""],
      ["c4", "inst", `'=HYPERLINK("http://x")`, "n,4", "'-5", "4", "failed", "ResourceNotFoundException", "'=not found, really", ""],
      ["", "", "", "", "", "7", "invalid", "RaggedRow", "", "c7,x,y,z,w,v"],
      ["c8", "", "gold", "", 'multi\nline, "quoted"', "8", "failed", "ThrottlingException", "Rate exceeded\nafter 5 tries", ""],
    ]);
  });

  it("writes summary.json with counts", async () => {
    const files = await writeReportFiles(join(dir, "run-1"), run, outcomes);
    const summary = JSON.parse(await readFile(files.summary, "utf8"));
    expect(summary).toMatchObject({
      runId: "run-1",
      input: "/data/in.csv",
      format: "csv",
      rows: 6,
      counts: { updated: 1, skipped_pre_api: 1, invalid: 2, failed: 2 },
      errorCodes: { NoAttributes: 1, ResourceNotFoundException: 1, RaggedRow: 1, ThrottlingException: 1 },
      requests: 8,
      throttled: 6,
      throttledShare: 0.75,
      complete: true,
      createdAt: "2024-01-02T03:04:05.000Z",
      finishedAt: "2024-01-02T03:04:13.000Z",
      durationMs: 8000,
      files: { outcomes: files.outcomes, failures: files.failures, summary: files.summary },
    });
    expect(summary.topErrors).toHaveLength(4);
    expect(summary.topErrors[0]).toMatchObject({ code: "NoAttributes", count: 1, line: 3 });
    expect(files.summaryData.counts).toEqual(summary.counts);
  });

  it("makes the directory private and the files owner-only, with no temporary files left", async () => {
    const runDir = join(dir, "reports", "run-1");
    const files = await writeReportFiles(runDir, run, outcomes);
    expect((await stat(runDir)).mode & 0o777).toBe(0o700);
    for (const f of [files.outcomes, files.failures, files.summary]) expect((await stat(f)).mode & 0o777).toBe(0o600);
    expect((await readdir(runDir)).sort()).toEqual(["failures.csv", "outcomes.csv", "summary.json"]);
  });

  it("overwrites an earlier report of the same run", async () => {
    const runDir = join(dir, "run-1");
    await writeReportFiles(runDir, run, outcomes);
    const files = await writeReportFiles(runDir, run, outcomes.slice(0, 2));
    expect(await csvRows(files.failures, [...header, ...FAILURE_COLUMNS])).toHaveLength(1);
    expect(JSON.parse(await readFile(files.summary, "utf8")).counts).toEqual({
      updated: 1,
      skipped_pre_api: 0,
      invalid: 1,
      failed: 0,
      skipped_expired: 0,
      superseded: 0,
      cancelled: 0,
      unchanged: 0,
      would_update: 0,
    });
  });

  it("feeding failures.csv back gives the original rows, the # columns ignored", async () => {
    const files = await writeReportFiles(join(dir, "run-1"), run, outcomes);
    const { source, records } = await readBack(files.failures);
    expect(source.roles).toMatchObject({
      contactId: 0,
      instanceId: 1,
      fields: [
        [2, "tier"],
        [4, "segment"],
      ],
      isFailuresFile: true,
    });
    expect(records.map((r) => r.line)).toEqual([2, 3, 4, 5]);
    const inputRoles = columnRoles(header, "in.csv");
    const back = records.map((r) => (r.kind === "fields" ? normalizeFields(r.fields, source.roles!, 0, DEFAULTS) : r));
    const original = [fields[3], fields[4], undefined, fields[8]].map((f) => (f ? normalizeFields(f, inputRoles, 0, DEFAULTS) : undefined));
    expect(back[0]).toEqual(original[0]);
    expect(back[1]).toEqual(original[1]);
    expect(back[1]).toMatchObject({ ok: true, row: { fields: { tier: '=HYPERLINK("http://x")', segment: "-5" } } });
    expect(back[2]).toMatchObject({ ok: false, code: "MissingContactId" }); // the raw text is for a person to fix
    expect(back[3]).toEqual(original[3]);
    expect(back[3]).toMatchObject({ ok: true, row: { instanceId: "default-inst", fields: { tier: "gold", segment: 'multi\nline, "quoted"' } } });
  });

  it("a failures file fed back and failing again keeps one set of # columns", async () => {
    const first = await writeReportFiles(join(dir, "run-1"), run, outcomes);
    const { source } = await readBack(first.failures);
    if (source.shape.format !== "csv") throw new Error("not csv");
    const header2 = source.shape.header;
    const again = await writeReportFiles(join(dir, "run-2"), info({ runId: "run-2", header: header2, input: first.failures }), [
      outcome({ line: 3, status: "failed", errorCode: "E", original: { fields: ["c4", "inst", "'=1", "n", "", "4", "failed", "E", "m", ""] } }),
    ]);
    const rows = await csvRows(again.failures, [...header, ...FAILURE_COLUMNS]);
    expect(rows).toEqual([["c4", "inst", "'=1", "n", "", "3", "failed", "E", "", ""]]);
  });

  it("an attribute column named with a leading dash survives the round trip", async () => {
    const h = ["contactId", "-flag"];
    const files = await writeReportFiles(join(dir, "run-1"), info({ header: h }), [
      outcome({ line: 2, status: "failed", errorCode: "E", original: { fields: ["c2", "yes"] } }),
    ]);
    const { source, records } = await readBack(files.failures);
    expect(source.roles?.fields).toEqual([[1, "-flag"]]);
    const r = records[0];
    expect(r?.kind === "fields" && normalizeFields(r.fields, source.roles!, 2, DEFAULTS)).toMatchObject({ ok: true, row: { fields: { "-flag": "yes" } } });
  });
});

describe("writeReportFiles, JSONL run", () => {
  const objects = {
    2: { contactId: "c2", instanceId: "inst", initiationTimestamp: 1622505600, attributes: { tier: "=gold", n: 5, obj: { a: 1 } } },
    3: { InitialContactId: "c3", InstanceId: "inst", Attributes: { other: "x,y", tier: "silver" } },
  };
  const outcomes: Outcome[] = [
    outcome({ line: 1, status: "updated" }),
    outcome({ line: 2, status: "invalid", errorCode: "InvalidAttributeValue", attempts: 0, original: { object: objects[2] } }),
    outcome({ line: 3, status: "failed", errorCode: "InvalidRequestException", httpStatus: 400, original: { object: objects[3] } }),
    outcome({ line: 4, status: "invalid", contactId: "", errorCode: "MalformedJson", attempts: 0, original: { raw: '{"contactId": ' } }),
  ];
  const run = info({ input: "/data/in.jsonl", format: "jsonl", rows: 4, requests: 2 });
  const failureHeader = ["contactId", "instanceId", "initiationTimestamp", "tier", "n", "obj", "other", ...FAILURE_COLUMNS];

  it("writes outcomes, failures with a column per attribute, and a summary", async () => {
    const files = await writeReportFiles(join(dir, "run-j"), run, outcomes);
    expect((await csvRows(files.outcomes, OUTCOME_COLUMNS)).map((r) => [r[0], r[3], r[4], r[5]])).toEqual([
      ["1", "updated", "", ""],
      ["2", "invalid", "InvalidAttributeValue", ""],
      ["3", "failed", "InvalidRequestException", "400"],
      ["4", "invalid", "MalformedJson", ""],
    ]);
    expect(await csvRows(files.failures, failureHeader)).toEqual([
      ["c2", "inst", "1622505600", "'=gold", "5", '{"a":1}', "", "2", "invalid", "InvalidAttributeValue", "", ""],
      ["c3", "inst", "", "silver", "", "", "x,y", "3", "failed", "InvalidRequestException", "", ""],
      ["", "", "", "", "", "", "", "4", "invalid", "MalformedJson", "", '{"contactId": '],
    ]);
    const summary = JSON.parse(await readFile(files.summary, "utf8"));
    expect(summary).toMatchObject({ format: "jsonl", rows: 4, counts: { updated: 1, skipped_pre_api: 0, invalid: 2, failed: 1 } });
  });

  it("the failures file can be fed back as CSV", async () => {
    const files = await writeReportFiles(join(dir, "run-j"), run, outcomes);
    const { source, records } = await readBack(files.failures);
    expect(source.roles?.isFailuresFile).toBe(true);
    const back = records.map((r) => (r.kind === "fields" ? normalizeFields(r.fields, source.roles!, 0, DEFAULTS) : r));
    // Row 3 is what the JSONL row meant.
    expect(back[1]).toEqual(normalizeObject(objects[3], 0, DEFAULTS));
    expect(back[0]).toMatchObject({ ok: true, row: { contactId: "c2", initiationTimestamp: 1622505600000, fields: { tier: "=gold", n: "5", obj: '{"a":1}' } } });
  });
});

describe("writeReportFiles, JSONL rows the columns cannot hold", () => {
  it("a condition, UpdateContact's members or a stray member go whole into #raw (fed back they send nothing); __proto__ is an attribute", async () => {
    const guarded = { contactId: "g1", attributes: { a: "1" }, ifCurrent: { a: "0" } };
    const contact = { contactId: "u1", Name: "n", References: { crm: "x" } };
    const proto = JSON.parse('{"contactId":"p1","attributes":{"__proto__":"p","b":"2"}}') as Record<string, unknown>;
    const files = await writeReportFiles(join(dir, "run-raw"), info({ input: "/data/in.jsonl", format: "jsonl", rows: 3 }), [
      outcome({ line: 1, status: "failed", errorCode: "E", original: { object: guarded } }),
      outcome({ line: 2, status: "failed", errorCode: "E", original: { object: contact } }),
      outcome({ line: 3, status: "failed", errorCode: "E", original: { object: proto } }),
    ]);
    // The guarded row's "a" makes no column: it is in #raw.
    const header = ["contactId", "instanceId", "initiationTimestamp", "__proto__", "b", ...FAILURE_COLUMNS];
    expect(await csvRows(files.failures, header)).toEqual([
      ["", "", "", "", "", "1", "failed", "E", "", JSON.stringify(guarded)],
      ["", "", "", "", "", "2", "failed", "E", "", JSON.stringify(contact)],
      ["p1", "", "", "p", "2", "3", "failed", "E", "", ""],
    ]);
  });

  it('an attribute no header gives back as it is (a contact\'s own name, spaces around it, #) or a blanking "" goes whole into #raw and makes no column; fed back, the file is read, those rows send nothing, and #raw stays', async () => {
    const objects = [
      { contactId: "b1", attributes: { a: "x", b: "" } },
      { contactId: "r1", attributes: { instanceId: "attr-inst", x: "1" } },
      { contactId: "r2", attributes: { ContactId: "attr-cid", y: "2" } },
      { contactId: "r3", attributes: { INITIATIONTIMESTAMP: "2019-01-01T00:00:00Z", z: "3" } },
      { contactId: "s1", attributes: { " a": "sp", ok: "fine" } },
      { contactId: "h1", attributes: { "#c": "hash", ok: "fine" } },
      { contactId: "k1", attributes: { a: "kept", " ": "nothing" } },
      { contactId: "g1", attributes: { a: "good", n: 5 } },
    ];
    const run = info({ input: "/data/in.jsonl", format: "jsonl", rows: objects.length });
    const files = await writeReportFiles(
      join(dir, "run-names"),
      run,
      objects.map((object, i) => outcome({ line: i + 1, status: "failed", errorCode: "E", original: { object } })),
    );
    const header = ["contactId", "instanceId", "initiationTimestamp", "a", "n", ...FAILURE_COLUMNS];
    const raw = (i: number) => ["", "", "", "", "", String(i + 1), "failed", "E", "", JSON.stringify(objects[i])];
    expect(await csvRows(files.failures, header)).toEqual([...[0, 1, 2, 3, 4, 5, 6].map(raw), ["g1", "", "", "good", "5", "8", "failed", "E", "", ""]]);

    // Fed back: the header is one the reader takes (no second contact-id column), and only g1 has anything to send.
    const { source, records } = await readBack(files.failures);
    const back = records.map((r) => (r.kind === "fields" ? normalizeFields(r.fields, source.roles!, r.line, DEFAULTS) : undefined));
    expect(back.filter((b) => b?.ok).map((b) => (b?.ok ? [b.row.contactId, b.row.fields] : undefined))).toEqual([["g1", { a: "good", n: "5" }]]);

    // Fed back and failing again (no contact id now): each row keeps its #raw, round after round.
    const again = await writeReportFiles(
      join(dir, "run-names-2"),
      info({ input: files.failures, format: "csv", header, rows: objects.length }),
      records.map((r, i) =>
        outcome({ line: i + 2, status: "invalid", errorCode: "MissingContactId", original: r.kind === "fields" ? { fields: r.fields } : undefined }),
      ),
    );
    const rows = await csvRows(again.failures, header);
    expect(rows.map((r) => r[r.length - 1])).toEqual([...objects.slice(0, 7).map((o) => JSON.stringify(o)), ""]);
  });
});

describe("summarise", () => {
  it("an incomplete run has no finish time", () => {
    const s = summarise(info({ complete: false, rows: 3 }), [outcome({ line: 2, status: "updated" })]);
    expect(s).toMatchObject({ complete: false, finishedAt: undefined, durationMs: undefined, rows: 3, counts: { updated: 1 } });
  });

  it("no outcomes", () => {
    const s = summarise(info({}), []);
    expect(s).toMatchObject({
      counts: { updated: 0, skipped_pre_api: 0, invalid: 0, failed: 0 },
      errorCodes: {},
      topErrors: [],
      meanRate: undefined,
      throttledShare: 0,
    });
  });

  it("orders top errors by count, then code", () => {
    const s = summarise(info({}), [
      outcome({ line: 2, status: "failed", errorCode: "B" }),
      outcome({ line: 3, status: "failed", errorCode: "A" }),
      outcome({ line: 4, status: "failed", errorCode: "C", message: "first C" }),
      outcome({ line: 5, status: "failed", errorCode: "C" }),
    ]);
    expect(s.topErrors).toEqual([
      { code: "C", count: 2, line: 4, message: "first C" },
      { code: "A", count: 1, line: 3, message: "" },
      { code: "B", count: 1, line: 2, message: "" },
    ]);
  });
});
