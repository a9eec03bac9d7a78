import { JsonNumber } from "./jsonValues.js";

/**
 * Re-reads a JSON text that JSON.parse already accepted (so it is valid and its
 * nesting is bounded), giving each number whose text JavaScript cannot reproduce
 * (12345678901234567890, 1.50, 1e2, -0) as a JsonNumber holding that text: a
 * value is sent as it was written. Numbers that print back as written stay numbers.
 * Strings are decoded by JSON.parse itself, so escapes mean exactly what they did.
 */
export function withExactNumbers(text: string): unknown {
  let i = 0;
  const skipSpace = () => {
    for (let c = text.charCodeAt(i); c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d; c = text.charCodeAt(++i));
  };
  const stringAt = (): string => {
    const start = i;
    i++; // opening quote
    for (let c = text.charCodeAt(i); c !== 0x22; c = text.charCodeAt(i)) i += c === 0x5c ? 2 : 1;
    i++; // closing quote
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (): unknown => {
    skipSpace();
    const c = text.charCodeAt(i);
    if (c === 0x22) return stringAt();
    if (c === 0x7b) {
      i++;
      const obj: Record<string, unknown> = {};
      skipSpace();
      if (text.charCodeAt(i) === 0x7d) {
        i++;
        return obj;
      }
      for (;;) {
        skipSpace();
        const key = stringAt();
        skipSpace();
        i++; // ':'
        const v = value();
        // As JSON.parse does: "__proto__" is an own member, never the prototype.
        if (key === "__proto__") Object.defineProperty(obj, key, { value: v, writable: true, enumerable: true, configurable: true });
        else obj[key] = v;
        skipSpace();
        if (text.charCodeAt(i++) === 0x7d) return obj; // '}', else ','
      }
    }
    if (c === 0x5b) {
      i++;
      const arr: unknown[] = [];
      skipSpace();
      if (text.charCodeAt(i) === 0x5d) {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value());
        skipSpace();
        if (text.charCodeAt(i++) === 0x5d) return arr; // ']', else ','
      }
    }
    if (c === 0x74) {
      i += 4;
      return true;
    }
    if (c === 0x66) {
      i += 5;
      return false;
    }
    if (c === 0x6e) {
      i += 4;
      return null;
    }
    const start = i;
    for (let d = text.charCodeAt(i); (d >= 0x30 && d <= 0x39) || d === 0x2d || d === 0x2b || d === 0x2e || d === 0x65 || d === 0x45; d = text.charCodeAt(++i));
    const written = text.slice(start, i);
    const n = Number(written);
    return String(n) === written ? n : new JsonNumber(written);
  };
  return value();
}
