import { describe, expect, it } from "vitest";
import type { Outcome } from "../../src/domain/Outcome.js";
import { decodeOutcome, encodeOutcome } from "../../src/domain/outcomeCodec.js";

const base: Outcome = {
  line: 2,
  contactId: "c-1",
  instanceId: "inst-1",
  status: "updated",
  errorCode: "",
  httpStatus: undefined,
  message: "",
  attempts: 1,
  throttles: 0,
  finishedAt: 1_700_000_000_123,
  original: undefined,
};

describe("outcomeCodec", () => {
  const cases: Array<[name: string, o: Outcome]> = [
    ["updated, no original", base],
    ["skipped before the API existed", { ...base, status: "skipped_pre_api", attempts: 0, message: "started 2017-01-01" }],
    [
      "invalid with CSV fields",
      { ...base, status: "invalid", errorCode: "NoAttributes", message: "line 2 has no attribute", attempts: 0, original: { fields: ["c-1", "", "=x", "a,b"] } },
    ],
    [
      "failed with HTTP status and a JSONL object",
      {
        ...base,
        status: "failed",
        errorCode: "ResourceNotFoundException",
        httpStatus: 404,
        message: "Contact not found",
        attempts: 3,
        throttles: 2,
        original: { object: { contactId: "c-1", attributes: { n: 5, nested: { a: [1, null] } } } },
      },
    ],
    ["failed, malformed raw original", { ...base, status: "failed", errorCode: "RaggedRow", original: { raw: 'c,"x\ny",z' } }],
    ["unicode and quotes in text", { ...base, contactId: "ç-😀", message: 'he said "no"\n€', instanceId: "" }],
    ["big line numbers and times", { ...base, line: 12_345_678, finishedAt: 4_102_444_800_000, attempts: 99, throttles: 98 }],
  ];

  it.each(cases)("%s round-trips", (_name, o) => {
    const text = encodeOutcome(o);
    expect(typeof text).toBe("string");
    expect(decodeOutcome(text)).toEqual(o);
  });

  it("is a positional array, without member names", () => {
    const text = encodeOutcome(base);
    expect(JSON.parse(text)).toEqual([2, "c-1", "inst-1", 0, "", 0, "", 1, 0, 1_700_000_000_123]);
    expect(text).not.toContain("contactId");
  });

  it("keeps the names a chained row applied, and what a retried row must not send", () => {
    const chained = { ...base, keys: ["a", "b"] };
    expect(decodeOutcome(encodeOutcome(chained))).toEqual(chained);
    const omitted = { ...base, status: "failed" as const, retryable: true, omit: [["a", 9]] as Array<[string, number]> };
    expect(decodeOutcome(encodeOutcome(omitted))).toEqual(omitted);
    const superseded = { ...base, status: "superseded" as const, omit: [["a", 9]] as Array<[string, number]> };
    expect(decodeOutcome(encodeOutcome(superseded))).toEqual(superseded);
  });

  it("keeps the status by index (new statuses only ever appended: old spools still read)", () => {
    for (const [status, index] of [
      ["updated", 0],
      ["skipped_pre_api", 1],
      ["invalid", 2],
      ["failed", 3],
      ["skipped_expired", 4],
      ["superseded", 5],
    ] as const) {
      expect(JSON.parse(encodeOutcome({ ...base, status }))[3]).toBe(index);
    }
  });
});
