import { describe, expect, it } from "vitest";
import { updateContact } from "../../src/operations/updateContact/operation.js";
import { updateContactAttributes } from "../../src/operations/updateContactAttributes/operation.js";
import { foldCalls, groupRows, type FoldRules, type Sendable } from "../../src/domain/groupAndFold.js";

const row = (line: number, prev?: number) => ({ line, prev: prev ?? 0 });

describe("groupRows", () => {
  it.each([
    {
      name: "no repeated contact: one group a row",
      rows: [row(2), row(3), row(4)],
      want: [
        [[2], 0],
        [[3], 0],
        [[4], 0],
      ],
    },
    {
      name: "a contact's rows in the chunk form one group, in file order",
      rows: [row(2), row(3), row(4, 2), row(5, 4)],
      want: [
        [[2, 4, 5], 0],
        [[3], 0],
      ],
    },
    {
      name: "a predecessor in another chunk: the group waits for it",
      rows: [row(10, 3), row(11), row(12, 10)],
      want: [
        [[10, 12], 3],
        [[11], 0],
      ],
    },
    {
      name: "two chains from other chunks stay apart",
      rows: [row(10, 3), row(11, 4)],
      want: [
        [[10], 3],
        [[11], 4],
      ],
    },
  ])("$name", ({ rows, want }) => {
    expect(groupRows(rows).map((g) => [g.rows.map((r) => r.line), g.after])).toEqual(want);
  });
});

const s = (line: number, fields: Record<string, unknown>, contactId = "c"): Sendable => ({ line, instanceId: "i", contactId, fields });
const uca = updateContactAttributes;
/** UpdateContactAttributes' byte budget, with a smaller limit. */
const budget = (limit: number): FoldRules => ({ validate: uca.validate, callBudget: { limit, cost: (k, v) => Buffer.byteLength(k) + Buffer.byteLength(String(v)) } });

describe("foldCalls", () => {
  it("folds a contact's rows into one call, the later line winning per attribute", () => {
    const calls = foldCalls([s(2, { a: "1", b: "1" }), s(5, { a: "2" }), s(9, { c: "3" })], uca);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.rows.map((r) => r.line)).toEqual([2, 5, 9]);
    expect({ ...calls[0]?.fields }).toEqual({ a: "2", b: "1", c: "3" });
  });

  it("starts a new call when the merge would pass the size limit", () => {
    const big = "x".repeat(600);
    const calls = foldCalls([s(2, { a: big }), s(3, { b: big }), s(4, { a: "small" })], budget(1000));
    // a+b = 1202 bytes > 1000: b goes alone; then a (replacing nothing in that call) joins b's call.
    expect(calls.map((c) => c.rows.map((r) => r.line))).toEqual([[2], [3, 4]]);
  });

  it("counts a replaced value once: overwriting the same key does not grow the call", () => {
    const v = "y".repeat(400);
    const calls = foldCalls([s(2, { a: v }), s(3, { a: v }), s(4, { a: v })], budget(1000));
    expect(calls).toHaveLength(1);
  });

  it("never merges two different contacts (a hash collision in the producer's table)", () => {
    const calls = foldCalls([s(2, { a: "1" }, "c1"), s(3, { a: "2" }, "c2")], uca);
    expect(calls.map((c) => c.rows.map((r) => r.line))).toEqual([[2], [3]]);
  });

  it("UpdateContact: rows merge per field while the merge passes the model's limits", () => {
    const ref = (v: string) => ({ Value: v, Type: "STRING" });
    const calls = foldCalls([s(2, { Name: "a", "ref:x": ref("1") }), s(3, { Name: "b" }), s(4, { "ref:y": ref("2") })], updateContact);
    expect(calls).toHaveLength(1);
    expect({ ...calls[0]?.fields }).toEqual({ Name: "b", "ref:x": ref("1"), "ref:y": ref("2") });
    // References of one call hold at most 4,096 UTF-8 bytes: the third row opens a new call.
    const big = "r".repeat(2000);
    const split = foldCalls([s(2, { "ref:a": ref(big) }), s(3, { "ref:b": ref(big) }), s(4, { "ref:c": ref(big) })], updateContact);
    expect(split.map((c) => c.rows.map((r) => r.line))).toEqual([[2, 3], [4]]);
  });
});
