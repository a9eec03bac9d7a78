import { describe, expect, it } from "vitest";
import { exactStringify, fromExactJson, toExactJson } from "../../src/lib/exactJson.js";
import { JsonNumber } from "../../src/lib/jsonNumber.js";

/** Through JSON, as Redis holds a queued chunk or an outcome. */
const viaJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

describe("exact JSON: a JSONL record's numbers keep their text through JSON", () => {
  it("gives back each kept number as written, nested, in arrays and beside plain values", () => {
    const record = {
      contactId: "c1",
      attributes: { acct: new JsonNumber("12345678901234567890"), price: new JsonNumber("1.10"), big: new JsonNumber("1e400"), z: new JsonNumber("-0"), n: 7 },
      list: [new JsonNumber("1.50"), { x: new JsonNumber("2.0") }, "s", null, true],
    };
    const back = fromExactJson(viaJson(toExactJson(record))) as typeof record;
    expect(back).toEqual(record);
    expect((back.attributes.acct as JsonNumber).text).toBe("12345678901234567890");
    expect((back.attributes.big as JsonNumber).text).toBe("1e400");
    expect(back.list[0]).toBeInstanceOf(JsonNumber);
    // What JSON.stringify alone keeps: the doubles, and null for 1e400.
    expect(viaJson(record)).toMatchObject({ attributes: { acct: 12345678901234567000, price: 1.1, big: null, z: 0 } });
  });

  it("never takes a record's own member for a kept number: keys that start like the tag come back as they were", () => {
    const record = JSON.parse('{"\\u0000n":"1.10","a":{"\\u0000n":"x"},"\\u0000\\u0000k":1,"__proto__":{"\\u0000n":"y"}}') as Record<string, unknown>;
    const back = fromExactJson(viaJson(toExactJson(record))) as Record<string, unknown>;
    expect(back).toEqual(record);
    expect(Object.keys(back)).toEqual(["\u0000n", "a", "\u0000\u0000k", "__proto__"]);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(back.a).toEqual({ "\u0000n": "x" });
  });

  it("gives a record without kept numbers or such keys back as it is (no copy), and one written before tags existed too", () => {
    const plain = { contactId: "c1", attributes: { a: "1", n: 2 } };
    expect(toExactJson(plain)).toBe(plain);
    expect(fromExactJson(plain)).toBe(plain);
  });

  it("writes kept numbers as their own text in JSON text (a failures file's raw record)", () => {
    const record = { a: new JsonNumber("1e400"), b: [new JsonNumber("1.10")], c: "\u0000 0", d: 1 };
    expect(exactStringify(record)).toBe('{"a":1e400,"b":[1.10],"c":"\\u0000 0","d":1}');
    expect(exactStringify({ a: "x" })).toBe('{"a":"x"}');
  });
});
