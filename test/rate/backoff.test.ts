import { describe, expect, it } from "vitest";
import { backoffDelay, DEFAULT_BACKOFF } from "../../src/rate/backoff.js";

const opts = (random: () => number, baseMs = 100, capMs = 5000) => ({ baseMs, capMs, random });

describe("backoffDelay", () => {
  it("defaults are 200 ms base, 20 s cap", () => {
    expect(DEFAULT_BACKOFF).toEqual({ baseMs: 200, capMs: 20_000 });
  });

  // [attempt, ceiling = min(cap, base * 2^(attempt-1))] for base 100, cap 5000.
  const ceilings: Array<[attempt: number, ceiling: number]> = [
    [1, 100],
    [2, 200],
    [3, 400],
    [4, 800],
    [5, 1600],
    [6, 3200],
    [7, 5000],
    [8, 5000],
    [50, 5000],
    [1_000_000, 5000],
  ];

  it.each(ceilings)("attempt %i: random 0 gives 0", (attempt) => {
    expect(
      backoffDelay(
        attempt,
        opts(() => 0),
      ),
    ).toBe(0);
  });

  it.each(ceilings)("attempt %i: random 0.999 gives just under %i", (attempt, ceiling) => {
    expect(
      backoffDelay(
        attempt,
        opts(() => 0.999),
      ),
    ).toBe(Math.floor(0.999 * ceiling));
  });

  it.each(ceilings)("attempt %i: random 0.5 gives half of %i", (attempt, ceiling) => {
    expect(
      backoffDelay(
        attempt,
        opts(() => 0.5),
      ),
    ).toBe(ceiling / 2);
  });

  it("never reaches the ceiling (full jitter draws from [0, ceiling))", () => {
    const justBelowOne = 1 - Number.EPSILON;
    for (let attempt = 1; attempt <= 12; attempt++) {
      const ceiling = Math.min(5000, 100 * 2 ** (attempt - 1));
      expect(
        backoffDelay(
          attempt,
          opts(() => justBelowOne),
        ),
      ).toBeLessThan(ceiling);
    }
  });

  it("doubles per attempt until the cap", () => {
    const hi = opts(() => 0.999, 50, 1_000_000);
    const delays = [1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, hi));
    expect(delays).toEqual([49, 99, 199, 399, 799, 1598]);
  });

  it("respects the cap with the defaults", () => {
    expect(backoffDelay(1, { ...DEFAULT_BACKOFF, random: () => 0.999 })).toBe(199);
    expect(backoffDelay(8, { ...DEFAULT_BACKOFF, random: () => 0.999 })).toBe(19_980);
    expect(backoffDelay(40, { ...DEFAULT_BACKOFF, random: () => 0.999 })).toBe(19_980);
  });

  it("treats attempt 0 or below as the first", () => {
    expect(
      backoffDelay(
        0,
        opts(() => 0.999),
      ),
    ).toBe(99);
    expect(
      backoffDelay(
        -3,
        opts(() => 0.999),
      ),
    ).toBe(99);
  });

  it("returns whole milliseconds", () => {
    expect(
      Number.isInteger(
        backoffDelay(
          3,
          opts(() => 0.123456),
        ),
      ),
    ).toBe(true);
  });

  it("with Math.random stays within [0, ceiling)", () => {
    for (let i = 0; i < 1000; i++) {
      const attempt = 1 + (i % 10);
      const d = backoffDelay(attempt, { baseMs: 100, capMs: 5000 });
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(Math.min(5000, 100 * 2 ** (attempt - 1)));
    }
  });
});
