import { describe, expect, it } from "vitest";
import { guardPauseReason, judgeNight, median, type NightCount, nightFigures, percent } from "../../src/domain/run/nightGuards.js";

const night = (over: Partial<NightCount> = {}): NightCount => ({ rows: 100, invalid: 0, valid: 100, changed: 1, known: 100, memoryUsed: true, ...over });
const nights = (...rows: number[]) => rows.map((r) => ({ rows: r, changedShare: 0.01 }));

describe("judgeNight", () => {
  it("the issue's example: a row count far from the median of the last 7 nights is breached and named with its numbers", () => {
    const r = judgeNight({ rowCountDeviation: 0.5 }, night({ rows: 412, valid: 412 }), nights(10_023, 9_800, 10_100, 10_050, 9_990, 10_400, 10_023, 5));
    expect(r.breach).toBe("night paused before its first call: 412 rows where the last 7 nights had a median of 10,023 (bound: within 50%)");
    expect(r).toMatchObject({ medianRows: 10_023, nights: 7 });
  });

  it.each([
    ["within the deviation", { rowCountDeviation: 0.5 }, night({ rows: 149 }), nights(100), "within"],
    ["just past it", { rowCountDeviation: 0.5 }, night({ rows: 151 }), nights(100), "breached"],
    ["no earlier night", { rowCountDeviation: 0.5 }, night({ rows: 1 }), [], "not-checked"],
    ["a median of 0 rows", { rowCountDeviation: 0.5 }, night({ rows: 5 }), nights(0, 0), "not-checked"],
    ["the floor met", { minRows: 100 }, night({ rows: 100 }), [], "within"],
    ["under the floor, first night too", { minRows: 100 }, night({ rows: 99 }), [], "breached"],
    ["invalid share at the bound", { maxInvalidShare: 0.05 }, night({ invalid: 5, valid: 95 }), [], "within"],
    ["invalid share over it", { maxInvalidShare: 0.05 }, night({ invalid: 6, valid: 94 }), [], "breached"],
    ["changed within 20 points of 1%", { changedShareAbove: 0.2 }, night({ changed: 21 }), nights(100), "within"],
    ["changed 60% where nights were 1%", { changedShareAbove: 0.2 }, night({ changed: 60 }), nights(100, 100), "breached"],
    ["no earlier share: the memory is new", { changedShareAbove: 0.2 }, night({ changed: 100, known: 0 }), [{ rows: 100 }], "not-checked"],
    ["--forget", { changedShareAbove: 0.2 }, night({ changed: 100, memoryUsed: false }), nights(100), "not-checked"],
  ] as const)("%s", (_name, guards, tonight, earlier, result) => {
    const r = judgeNight(guards, tonight, earlier);
    expect(r.checks).toHaveLength(1);
    expect(r.checks[0]?.result).toBe(result);
    expect(r.breach !== undefined).toBe(result === "breached");
  });

  it("once the job has a usual share, a night whose contacts the memory does not hold (shifted ids) is 100% changed", () => {
    const r = judgeNight({ changedShareAbove: 0.2 }, night({ changed: 100, known: 0 }), [
      { rows: 100, changedShare: 0.01 },
      { rows: 100, changedShare: null },
    ]);
    expect(r.changedShare).toBe(1);
    expect(r.breach).toBe(
      "night paused before its first call: 100% of rows changed (100 of 100) where the usual share is 1% (the last measured night; bound: at most 20 points above it)",
    );
  });

  it("the first night (a new memory) records no changed share; only the last `nights` count", () => {
    expect(judgeNight({ minRows: 1 }, night({ changed: 100, known: 0 }), []).changedShare).toBeNull();
    const r = judgeNight({ rowCountDeviation: 0.1, nights: 2 }, night({ rows: 100 }), nights(100, 100, 5, 5, 5));
    expect(r).toMatchObject({ nights: 2, medianRows: 100 });
    expect(r.breach).toBeUndefined();
  });

  it("names every breached bound in one sentence", () => {
    const r = judgeNight({ minRows: 50, maxInvalidShare: 0.1 }, night({ rows: 10, invalid: 5, valid: 5 }), []);
    expect(r.breach).toBe("night paused before its first call: 10 rows, fewer than the floor of 50; and 50% of rows invalid (5 of 10) (bound: at most 10%)");
    expect(guardPauseReason("n3", r.breach as string)).toMatch(/; run n3 is paused: .*"connect-backfill resume n3".*"connect-backfill cancel n3"$/);
  });
});

describe("figures", () => {
  it("percent, median and the one-line figures", () => {
    expect([percent(0.6), percent(0.005), percent(1 / 3), percent(0)]).toEqual(["60%", "0.5%", "33.3%", "0%"]);
    expect([median([3, 1, 2]), median([4, 1, 2, 3]), median([])]).toEqual([2, 2.5, undefined]);
    const r = judgeNight({ rowCountDeviation: 0.5 }, night({ rows: 1200, valid: 1188, invalid: 12, changed: 24 }), nights(1000, 1100));
    expect(nightFigures(r)).toBe("1,200 rows (median of the last 2 nights: 1,050), changed 2% (usual 1%), invalid 1%");
  });
});
