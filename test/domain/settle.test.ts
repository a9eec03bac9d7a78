import { describe, expect, it } from "vitest";
import { type SettleInput, type SettleRules, settle } from "../../src/domain/settle.js";
import { updateContactAttributes } from "../../src/operations/updateContactAttributes/operation.js";

const API = Date.UTC(2018, 8, 12);
const rules: SettleRules = {
  op: updateContactAttributes,
  minContactDate: API,
  maxContactAge: { unit: "months", n: 24 },
  cutoff: Date.UTC(2024, 0, 1),
  unchanged: new Set([9]),
  jobName: "nightly",
  chained: false,
};

function row(line: number, over: Partial<SettleInput> = {}): SettleInput {
  return {
    line,
    contactId: `c${line}`,
    instanceId: "i",
    initiationTimestamp: undefined,
    fields: Object.assign(Object.create(null), { a: "1", b: "2" }),
    omit: undefined,
    original: { fields: [] },
    ...over,
  };
}

describe("settle", () => {
  it.each([
    { name: "no start: needs a call", row: row(2), status: undefined },
    { name: "started after the cutoff: needs a call", row: row(2, { initiationTimestamp: Date.UTC(2024, 5, 1) }), status: undefined },
    { name: "started before the API", row: row(2, { initiationTimestamp: Date.UTC(2018, 0, 1) }), status: "skipped_pre_api", code: "ContactBeforeApi" },
    { name: "past retention", row: row(2, { initiationTimestamp: Date.UTC(2020, 0, 1) }), status: "skipped_expired", code: "ContactExpired" },
    { name: "the same values as the job last sent", row: row(9), status: "unchanged", code: "Unchanged" },
    { name: "omit takes some fields: sent without them", row: row(2, { omit: [["a", 5]] }), status: undefined, sends: { b: "2" } },
    {
      name: "omit takes every field: superseded",
      row: row(2, {
        omit: [
          ["a", 5],
          ["b", 7],
        ],
      }),
      status: "superseded",
      code: "Superseded",
    },
    { name: "omit names a field the row does not set", row: row(2, { omit: [["z", 5]] }), status: undefined, sends: { a: "1", b: "2" } },
  ])("$name", ({ row: r, status, code, sends }) => {
    const { settled, ready } = settle([r], rules);
    if (status === undefined) {
      expect(settled).toEqual([]);
      expect(ready.map((x) => x.line)).toEqual([r.line]);
      if (sends) expect({ ...ready[0]?.fields }).toEqual(sends);
    } else {
      expect(ready).toEqual([]);
      expect(settled.map((o) => [o.status, o.errorCode, o.attempts])).toEqual([[status, code, 0]]);
      expect(settled[0]?.message).toMatch(new RegExp(`^line ${r.line}`));
    }
  });

  it("without maxContactAge nothing expires", () => {
    const old = row(2, { initiationTimestamp: Date.UTC(2019, 0, 1) });
    expect(settle([old], { ...rules, maxContactAge: null, cutoff: undefined }).ready).toHaveLength(1);
  });

  it("a look-up's row and note replace the file's", () => {
    const { ready } = settle([row(2)], rules, () => ({ row: { ...row(2), contactId: "initial" }, note: "sent to initial contact" }));
    expect(ready[0]).toMatchObject({ contactId: "initial", note: "sent to initial contact" });
  });

  it("a look-up's start settles the row too", () => {
    const { settled } = settle([row(2)], rules, () => ({ row: { ...row(2), initiationTimestamp: Date.UTC(2017, 0, 1) } }));
    expect(settled[0]?.status).toBe("skipped_pre_api");
  });
});
