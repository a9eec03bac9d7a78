import { describe, expect, it } from "vitest";
import type { ChunkRow } from "../../src/queue/ChunkJob.js";
import { foldCalls, groupRows, type Sendable } from "../../src/worker/planChunk.js";

const row = (line: number, prev?: number): ChunkRow => (prev === undefined ? [line, []] : [line, [], prev]);

describe("groupRows", () => {
  it.each([
    { name: "no repeated contact: one group a row", rows: [row(2), row(3), row(4)], want: [[[2], 0], [[3], 0], [[4], 0]] },
    { name: "a contact's rows in the chunk form one group, in file order", rows: [row(2), row(3), row(4, 2), row(5, 4)], want: [[[2, 4, 5], 0], [[3], 0]] },
    { name: "a predecessor in another chunk: the group waits for it", rows: [row(10, 3), row(11), row(12, 10)], want: [[[10, 12], 3], [[11], 0]] },
    { name: "two chains from other chunks stay apart", rows: [row(10, 3), row(11, 4)], want: [[[10], 3], [[11], 4]] },
  ])("$name", ({ rows, want }) => {
    expect(groupRows(rows).map((g) => [g.rows.map((r) => r[0]), g.after])).toEqual(want);
  });
});

const s = (line: number, attributes: Record<string, string>, contactId = "c"): Sendable => ({ line, instanceId: "i", contactId, attributes });

describe("foldCalls", () => {
  it("folds a contact's rows into one call, the later line winning per attribute", () => {
    const calls = foldCalls([s(2, { a: "1", b: "1" }), s(5, { a: "2" }), s(9, { c: "3" })]);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.rows.map((r) => r.line)).toEqual([2, 5, 9]);
    expect({ ...calls[0]?.attributes }).toEqual({ a: "2", b: "1", c: "3" });
  });

  it("starts a new call when the merge would pass the size limit", () => {
    const big = "x".repeat(600);
    const calls = foldCalls([s(2, { a: big }), s(3, { b: big }), s(4, { a: "small" })], 1000);
    // a+b = 1202 bytes > 1000: b goes alone; then a (replacing nothing in that call) joins b's call.
    expect(calls.map((c) => c.rows.map((r) => r.line))).toEqual([[2], [3, 4]]);
  });

  it("counts a replaced value once: overwriting the same key does not grow the call", () => {
    const v = "y".repeat(400);
    const calls = foldCalls([s(2, { a: v }), s(3, { a: v }), s(4, { a: v })], 1000);
    expect(calls).toHaveLength(1);
  });

  it("never merges two different contacts (a hash collision in the producer's table)", () => {
    const calls = foldCalls([s(2, { a: "1" }, "c1"), s(3, { a: "2" }, "c2")]);
    expect(calls.map((c) => c.rows.map((r) => r.line))).toEqual([[2], [3]]);
  });
});
