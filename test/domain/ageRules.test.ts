import { describe, expect, it } from "vitest";
import { expired, expiredMessage, retentionCutoff } from "../../src/domain/ageRules.js";

const NOW = Date.parse("2026-11-23T12:00:00Z");

describe("retention cutoff (--max-contact-age)", () => {
  it.each([
    { age: { unit: "months" as const, n: 24 }, want: "2024-11-23T12:00:00.000Z" },
    { age: { unit: "days" as const, n: 730 }, want: "2024-11-23T12:00:00.000Z" },
    { age: { unit: "months" as const, n: 1 }, want: "2026-10-23T12:00:00.000Z" },
  ])("$age.n $age.unit before now", ({ age, want }) => {
    expect(new Date(retentionCutoff(age, NOW) as number).toISOString()).toBe(want);
  });

  it("0 turns it off; rows without a start time are never judged", () => {
    expect(retentionCutoff(null, NOW)).toBeUndefined();
    expect(expired(Date.parse("2001-01-01"), undefined)).toBe(false);
    expect(expired(undefined, NOW)).toBe(false);
  });

  it("a contact that started before the cutoff is expired, at the cutoff it is not", () => {
    const cutoff = retentionCutoff({ unit: "months", n: 24 }, NOW) as number;
    expect(expired(cutoff - 1, cutoff)).toBe(true);
    expect(expired(cutoff, cutoff)).toBe(false);
    expect(expiredMessage(7, cutoff - 1, { unit: "months", n: 24 })).toMatch(
      /^line 7: contact started 2024-11-23T11:59:59.999Z, more than 24 months ago \(--max-contact-age 24mo\)/,
    );
  });
});
