import { describe, expect, it } from "vitest";
import { ContactChain, hash53 } from "../../src/queue/ContactChain.js";

describe("ContactChain", () => {
  it("names the previous line of the same contact, 0 for a contact's first line", () => {
    const c = new ContactChain(4);
    expect(c.previous("i", "a", 2)).toBe(0);
    expect(c.previous("i", "b", 3)).toBe(0);
    expect(c.previous("i", "a", 4)).toBe(2);
    expect(c.previous("i", "a", 9)).toBe(4);
    expect(c.previous("i", "b", 10)).toBe(3);
    expect(c.size).toBe(2);
  });

  it("tells instances apart: the same contact id in two instances is two contacts", () => {
    const c = new ContactChain();
    expect(c.previous("inst-1", "a", 2)).toBe(0);
    expect(c.previous("inst-2", "a", 3)).toBe(0);
    expect(c.previous("inst-1", "a", 4)).toBe(2);
    // The separator keeps "ab"+"c" apart from "a"+"bc".
    expect(hash53("ab", "c")).not.toBe(hash53("a", "bc"));
  });

  it("keeps every contact through many resizes, at most 48 bytes a contact", () => {
    const c = new ContactChain(2);
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      if (c.previous("i", `contact-${i}`, i + 2) !== 0) throw new Error(`contact-${i} seen twice`);
    }
    for (let i = 0; i < n; i++) {
      if (c.previous("i", `contact-${i}`, n + i + 2) !== i + 2) throw new Error(`contact-${i} lost its line`);
    }
    expect(c.size).toBe(n);
    expect(c.bytes / n).toBeLessThanOrEqual(48);
  });

  it("reserve makes room at once and keeps what it holds; a guess never takes more than a 1M-contact table", () => {
    const c = new ContactChain(4);
    expect(c.previous("i", "a", 2)).toBe(0);
    c.reserve(1000);
    expect(c.bytes).toBe(2048 * 12);
    expect(c.previous("i", "a", 3)).toBe(2);
    for (let i = 0; i < 1000; i++) c.previous("i", `r${i}`, 10 + i);
    expect(c.bytes).toBe(2048 * 12);
    c.reserve(10);
    expect(c.bytes).toBe(2048 * 12);
    c.reserve(50_000_000);
    expect(c.bytes).toBe(2 ** 21 * 12);
    expect(c.previous("i", "r999", 5000)).toBe(1009);
    expect(c.size).toBe(1001);
  });
});
