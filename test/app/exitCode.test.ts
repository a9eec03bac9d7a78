import { describe, expect, it } from "vitest";
import { EXIT, exitCodeOf } from "../../src/app/exitCode.js";

const report = (invalid: number, failed: number) => ({ summaryData: { counts: { invalid, failed } } });

// DESIGN.md's contract, one row per case: paused 4 wins, then stopped early 1, then any invalid or failed row 3, else 0.
const TABLE: ReadonlyArray<readonly [string, string | undefined, boolean | undefined, number, number, number]> = [
  ["every row applied", undefined, undefined, 0, 0, EXIT.ok],
  ["some rows invalid", undefined, undefined, 2, 0, EXIT.someRowsFailed],
  ["some rows failed", undefined, false, 0, 1, EXIT.someRowsFailed],
  ["stopped by the breaker", "breaker: 50% failed", undefined, 0, 9, EXIT.couldNotRun],
  ["cancelled", "cancelled", undefined, 0, 0, EXIT.couldNotRun],
  ["interrupted", "interrupted", undefined, 0, 0, EXIT.couldNotRun],
  ["paused after a canary", "canary: 10 rows sent", true, 0, 0, EXIT.paused],
  ["paused, with failed rows", "canary: 10 rows sent", true, 0, 3, EXIT.paused],
  // `report` passes no stop reason: it exits by its rows, or 4 while the run is paused.
  ["a report of a paused run", undefined, true, 1, 0, EXIT.paused],
];

describe("exitCodeOf", () => {
  it.each(TABLE)("%s", (_, stopReason, paused, invalid, failed, code) => {
    expect(exitCodeOf({ stopReason, paused, report: report(invalid, failed) })).toBe(code);
  });

  it("keeps the codes scripts branch on", () => {
    expect(EXIT).toEqual({ ok: 0, couldNotRun: 1, usage: 2, someRowsFailed: 3, paused: 4 });
  });
});
