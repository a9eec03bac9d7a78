import { describe, expect, it } from "vitest";
import { type Outcome, STATUSES } from "../../src/domain/Outcome.js";
import { decodeOutcome, encodeOutcome } from "../../src/domain/outcomeCodec.js";
import { JsonNumber } from "../../src/lib/jsonNumber.js";

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

  it("gives back a JSONL record's numbers as written (an invalid row's failures.csv cells)", () => {
    const object = { contactId: "c-1", attributes: { acct: new JsonNumber("12345678901234567890"), price: new JsonNumber("1.10"), big: new JsonNumber("1e400") } };
    const back = decodeOutcome(encodeOutcome({ ...base, status: "invalid", errorCode: "InvalidTimestamp", original: { object } }));
    expect(back.original).toEqual({ object });
    const attrs = (back.original as { object: typeof object }).object.attributes;
    expect([attrs.acct.text, attrs.price.text, attrs.big.text]).toEqual(["12345678901234567890", "1.10", "1e400"]);
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

  it("writes the same bytes as JSON.stringify of the positional array, for every shape and hostile text", () => {
    // The array form earlier releases wrote with JSON.stringify: outcomes already in a stream or a spool are read by it.
    const reference = (o: Outcome): string => {
      const extras =
        o.keys || o.omit || o.image ? { ...(o.keys ? { k: o.keys } : {}), ...(o.omit ? { o: o.omit } : {}), ...(o.image ? { b: o.image } : {}) } : undefined;
      const arr: unknown[] = [
        o.line,
        o.contactId,
        o.instanceId,
        STATUSES.indexOf(o.status),
        o.errorCode,
        o.httpStatus ?? 0,
        o.message,
        o.attempts,
        o.throttles,
        o.finishedAt,
      ];
      if (o.original || o.retryable || extras) arr.push(o.original ?? null);
      if (o.retryable || extras) arr.push(o.retryable ? 1 : 0);
      if (extras) arr.push(extras);
      return JSON.stringify(arr);
    };
    const hostile = ["", '"', "\\", "\n\r\t", "\u2028\u2029", "\ud800", "a\udc00b", "😀", "\u0000\u001f", "</script>", "=1+1"];
    const shapes: Outcome[] = [
      ...cases.map(([, o]) => o),
      { ...base, retryable: true },
      { ...base, original: { raw: "x" }, retryable: true },
      { ...base, keys: ["a"], image: { before: { a: "1", b: null }, wrote: { a: "2" } } },
      { ...base, omit: [["k", 3]] as Array<[string, number]> },
      { ...base, httpStatus: 503, attempts: 0, throttles: 7, finishedAt: 0 },
      // Not what a worker makes, but written as the array form wrote it all the same (null), never as "NaN" or "undefined".
      { ...base, finishedAt: Number.NaN, attempts: Number.POSITIVE_INFINITY },
      { ...base, errorCode: undefined as unknown as string },
    ];
    for (const shape of shapes) {
      expect(encodeOutcome(shape)).toBe(reference(shape));
      for (const text of hostile) {
        const o = { ...shape, contactId: text, instanceId: text, errorCode: text, message: text };
        expect(encodeOutcome(o)).toBe(reference(o));
      }
    }
  });
});
