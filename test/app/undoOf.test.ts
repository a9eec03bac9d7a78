import { describe, expect, it } from "vitest";
import type { Outcome } from "../../src/domain/Outcome.js";
import { undoOf } from "../../src/app/rollbackRun.js";

const base = { instanceId: "inst", httpStatus: undefined, message: "", throttles: 0, finishedAt: 0, original: undefined };
const updated = (line: number, contactId: string, before: Record<string, string | null>, wrote: Record<string, string>): Outcome => ({
  ...base,
  line,
  contactId,
  status: "updated",
  errorCode: "",
  attempts: 1,
  image: { before, wrote },
});
const maybeSent = (line: number, contactId: string): Outcome => ({ ...base, line, contactId, status: "cancelled", errorCode: "MaybeSent", attempts: 0 });

describe("undoOf", () => {
  it("does not vouch for a contact whose other call may have been applied, even when one of its rows ended updated", () => {
    const { undo, unvouched } = undoOf([
      // g1: line 2 applied a; line 3's call (b) may have been applied, its worker died holding it.
      updated(2, "g1", { a: "orig" }, { a: "new-a" }),
      maybeSent(3, "g1"),
      // g2: only an uncertain call. g3: applied, nothing uncertain.
      maybeSent(4, "g2"),
      updated(5, "g3", { a: null }, { a: "x" }),
    ]);
    expect(unvouched).toBe(2);
    // What is known is still undone: g1's a and g3's a.
    expect([...undo.keys()].map((k) => k.split("\u0000")[1])).toEqual(["g1", "g3"]);
    expect(Object.fromEntries(undo.get("inst\u0000g1")?.before ?? [])).toEqual({ a: "orig" });
  });
});
