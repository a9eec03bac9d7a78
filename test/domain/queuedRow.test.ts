import { describe, expect, it } from "vitest";
import { cellsOf, csvContext, originalOf, sameCell, type ColumnPlan } from "../../src/domain/originalOf.js";
import { type CheckedRow, ChunkRows, contactRowOf } from "../../src/domain/queuedRow.js";
import { JsonNumber } from "../../src/lib/jsonNumber.js";

function checked(line: number, fields: Record<string, unknown>, extra: Partial<CheckedRow> = {}): CheckedRow {
  return {
    line,
    contactId: `c${line}`,
    instanceId: "inst",
    givenInstanceId: "",
    initiationTimestamp: undefined,
    fields: Object.assign(Object.create(null), fields),
    ...extra,
  };
}

/** Through JSON, as BullMQ stores a job's data. */
const viaRedis = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe("ChunkRows and contactRowOf", () => {
  it.each([
    {
      name: "same columns every row",
      rows: [
        { a: "1", b: "2" },
        { a: "3", b: "4" },
      ],
    },
    { name: "empty cells left out", rows: [{ a: "1" }, { b: "2" }, { a: "5", b: "6" }] },
    { name: "another order than the chunk met them", rows: [{ v: "1" }, { __proto__x: "k", v: "3" }, { b: "z", a: "y" }, { a: "q", b: "r" }] },
    { name: "__proto__ as a name", rows: [{ v: "1" }, JSON.parse('{"__proto__":"kept","v":"3"}') as Record<string, unknown>] },
    { name: "object values (UpdateContact)", rows: [{ Name: "n", "ref:x": { Value: "1", Type: "URL" } }] },
  ])("$name: each row comes back with its fields, in its own order", ({ rows }) => {
    const chunk = new ChunkRows();
    for (const [i, f] of rows.entries()) chunk.add(checked(i + 2, f), i === 0 ? 0 : i + 1);
    const { names, rows: queued } = viaRedis(chunk.take());
    queued.forEach((q, i) => {
      const row = contactRowOf(q, names, "default-inst");
      expect(Object.entries(row.fields)).toEqual(Object.entries(rows[i] as object));
      expect(row.line).toBe(i + 2);
      expect(row.instanceId).toBe("default-inst");
    });
    expect(chunk.length).toBe(0);
  });

  it("keeps a JSONL record's numbers as written through the queue's JSON: a failed row's record gives them back", () => {
    const object = {
      contactId: "c2",
      Name: "n",
      SegmentAttributes: { "x:score": { ValueInteger: new JsonNumber("7.0") } },
      ref: new JsonNumber("12345678901234567890"),
    };
    const chunk = new ChunkRows();
    chunk.add(checked(2, { Name: "n" }, { context: { object } }), 0);
    const { names, rows } = viaRedis(chunk.take());
    const original = originalOf(rows[0] as (typeof rows)[number], names, undefined) as { object: typeof object };
    expect(original.object).toEqual(object);
    expect((original.object.ref as JsonNumber).text).toBe("12345678901234567890");
  });

  it("keeps the start, the instance given, the predecessor, omit and ifCurrent", () => {
    const chunk = new ChunkRows();
    chunk.add(checked(7, { a: "1" }, { givenInstanceId: "mine", instanceId: "mine", initiationTimestamp: 1_700_000_000_000, ifCurrent: { a: null } }), 3, [["b", 9]]);
    const { names, rows } = viaRedis(chunk.take());
    const q = rows[0];
    if (!q) throw new Error("no row");
    expect(contactRowOf(q, names, "default")).toMatchObject({ instanceId: "mine", initiationTimestamp: 1_700_000_000_000, ifCurrent: { a: null } });
    expect(q[5]).toBe(3);
    expect(q[6]).toEqual([["b", 9]]);
  });

  it("a plain row costs no trailing elements", () => {
    const chunk = new ChunkRows();
    chunk.add(checked(2, { a: "1" }), 0);
    expect(JSON.stringify(chunk.take().rows[0])).toBe('[2,"c2","",null,["1"]]');
  });

  it("keeps the trailing members up to the last that says something, holes as 0 or null", () => {
    const chunk = new ChunkRows();
    chunk.add(checked(2, { a: "1" }), 5);
    chunk.add(checked(3, { a: "1" }), 0, [["b", 9]]);
    chunk.add(checked(4, { a: "1" }, { ifCurrent: { a: "0" } }), 0);
    chunk.add(checked(5, { a: "1" }, { context: [[4, "x"]] }), 0);
    chunk.add(checked(6, { a: "1" }), 0, []);
    expect(chunk.take().rows.map((q) => JSON.stringify(q))).toEqual([
      '[2,"c2","",null,["1"],5]',
      '[3,"c3","",null,["1"],0,[["b",9]]]',
      '[4,"c4","",null,["1"],0,null,{"a":"0"}]',
      '[5,"c5","",null,["1"],0,null,null,[[4,"x"]]]',
      '[6,"c6","",null,["1"]]',
    ]);
  });
});

describe("originalOf gives a CSV row's cells back exactly", () => {
  const plan: ColumnPlan = { width: 5, contactId: 0, instanceId: 1, start: 2, fields: [[3, "phone"]] };
  const roles = cellsOf(plan);
  it.each([
    { name: "plain cells", raw: ["c1", "", "", "555", ""], contactId: "c1", given: "", phone: "555" },
    {
      name: "a start as most exports write it",
      raw: ["c1", "i", "2024-01-01T10:00:00Z", "555", ""],
      contactId: "c1",
      given: "i",
      phone: "555",
      start: Date.UTC(2024, 0, 1, 10),
      context: undefined,
    },
    {
      name: "a start of its own, a # column, padded id",
      raw: [" c1 ", "i", "2024-01-01", "555", "note"],
      contactId: "c1",
      given: "i",
      phone: "555",
      start: Date.UTC(2024, 0, 1),
    },
    { name: "a transformed cell", raw: ["c1", "", "", "ABC", ""], contactId: "c1", given: "", phone: "abc" },
  ])("$name", (c) => {
    const { raw, contactId, given, phone } = c;
    const start = "start" in c ? c.start : undefined;
    const fields: Record<string, unknown> = { phone };
    const context = csvContext(raw, plan.width, (i, text) => sameCell(roles[i], text, contactId, given, start, (n) => fields[n]));
    if ("context" in c) expect(context).toBe(c.context);
    const chunk = new ChunkRows();
    chunk.add({ ...checked(2, fields), contactId, givenInstanceId: given, initiationTimestamp: start, context }, 0);
    const { names, rows } = viaRedis(chunk.take());
    expect(originalOf(rows[0] as never, names, plan)).toEqual({ fields: raw });
  });
});
