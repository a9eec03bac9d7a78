import { describe, expect, it } from "vitest";
import { instantBefore, describeDuration, isDuration, parseDuration } from "../../src/domain/duration.js";

describe("durations: one reading for every option", () => {
  it.each([
    ["30d", 30, "d", "30 days"],
    ["12h", 12, "h", "12 hours"],
    ["90m", 90, "m", "90 minutes"],
    ["24mo", 24, "mo", "24 months"],
    [" 36MO ", 36, "mo", "36 months"],
    ["1y", 1, "y", "1 year"],
    ["2w", 2, "w", "2 weeks"],
    ["45s", 45, "s", "45 seconds"],
  ])("%j is %s %s", (text, n, unit, words) => {
    const d = parseDuration(text);
    expect(d).toEqual({ n, unit });
    if (isDuration(d)) expect(describeDuration(d)).toBe(words);
  });

  it.each([
    ["24M", /ambiguous \(M: months or minutes\?\)/],
    ["24", /has no unit/],
    ["24 months", /not a whole number followed by a unit/],
    ["3q", /unknown unit "q"/],
    ["-3d", /not a whole number/],
    ["", /not a whole number/],
  ])("refuses %j, never guesses", (text, why) => {
    const d = parseDuration(text);
    expect(isDuration(d)).toBe(false);
    if (!isDuration(d)) expect(d.problem).toMatch(why);
  });

  it("months and years are calendar ones in UTC; the others fixed", () => {
    const now = Date.parse("2026-03-31T12:00:00Z");
    expect(new Date(instantBefore({ n: 1, unit: "mo" }, now)).toISOString()).toBe("2026-03-03T12:00:00.000Z"); // Feb 31st rolls over, as setUTCMonth does
    expect(new Date(instantBefore({ n: 2, unit: "y" }, now)).toISOString()).toBe("2024-03-31T12:00:00.000Z");
    expect(instantBefore({ n: 90, unit: "m" }, now)).toBe(now - 90 * 60_000);
    expect(instantBefore({ n: 1, unit: "w" }, now)).toBe(now - 7 * 86_400_000);
  });
});
