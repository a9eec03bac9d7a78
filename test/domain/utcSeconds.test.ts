import { describe, expect, it } from "vitest";
import { startText } from "../../src/domain/originalOf.js";
import { utcSecondsMs } from "../../src/domain/utcSeconds.js";

describe("utcSecondsMs: the common timestamp shape read without a regular expression", () => {
  it("agrees with Date for every second-precision instant it accepts, and writes back as startText does", () => {
    let seed = 7;
    const rand = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let i = 0; i < 20_000; i++) {
      const ms = Math.floor(rand() * 253402300799) * 1000; // 1970 .. 9999, whole seconds
      const text = startText(ms);
      expect(utcSecondsMs(text)).toBe(ms);
      expect(Date.parse(text)).toBe(ms);
    }
  });

  it("leaves every other text to the general path", () => {
    for (const text of [
      "2021-02-29T00:00:00Z", // no such day
      "2024-02-30T00:00:00Z",
      "2026-13-01T00:00:00Z",
      "2026-00-10T00:00:00Z",
      "2026-01-01T24:00:00Z",
      "2026-01-01T00:60:00Z",
      "2026-01-01T00:00:60Z",
      "0050-01-01T00:00:00Z", // Date.UTC would read it as 1950
      "2026-01-01t00:00:00z",
      "2026-01-01 00:00:00Z",
      "2026-01-01T00:00:00+",
      " 026-01-01T00:00:00Z",
      "2026-01-01T00:00:0aZ",
      "2026-01-01T00:00:00.000Z",
      "2026-01-01",
    ])
      expect(utcSecondsMs(text), text).toBeUndefined();
    expect(utcSecondsMs("2024-02-29T23:59:59Z")).toBe(Date.parse("2024-02-29T23:59:59Z"));
    expect(utcSecondsMs("2000-02-29T00:00:00Z")).toBe(Date.parse("2000-02-29T00:00:00Z"));
    expect(utcSecondsMs("1900-02-29T00:00:00Z")).toBeUndefined();
  });
});
