import { describe, expect, it } from "vitest";
import { escapeXlsxText, spreadsheetsKeep, unescapeXlsxText } from "../../src/lib/xlsxText.js";

describe("xlsxText: cell text as Office Open XML stores it", () => {
  it("escapes what XML cannot carry, a CR and an _xHHHH_ already in the text, and gives each back as written", () => {
    const cases: Array<[string, string]> = [
      ["plain", "plain"],
      ["l1\r\nl2", "l1_x000D_\nl2"],
      ["a\u0001b\u001f", "a_x0001_b_x001F_"],
      ["x\u007fy", "x_x007F_y"],
      ["a\uffffb\ufffe", "a_xFFFF_b_xFFFE_"],
      ["_x0041_", "_x005F_x0041_"],
      ["_x00_ _xZZZZ_ x0041_", "_x00_ _xZZZZ_ x0041_"],
      ["lone \ud800 and \udc00", "lone _xD800_ and _xDC00_"],
      ["pair 😀 tab\tlf\n", "pair 😀 tab\tlf\n"],
    ];
    for (const [text, stored] of cases) {
      expect(escapeXlsxText(text)).toBe(stored);
      expect(unescapeXlsxText(stored)).toBe(text);
    }
    // As Excel writes them: lower-case hex is read too.
    expect(unescapeXlsxText("a_x000d_b")).toBe("a\rb");
  });

  it("says which text every spreadsheet program keeps: not a control character, a CR, U+FFFE/U+FFFF or half a surrogate pair", () => {
    for (const kept of ["", "  ", " x ", "a\tb", "l1\nl2", "😀", "_x0041_", "=1+1"]) expect(spreadsheetsKeep(kept)).toBe(true);
    for (const lost of ["l1\r\nl2", "a\u0001b", "\u001f", "x\u007fy", "a\uffff", "\ud800x", "x\udc00", "a &amp; b"]) expect(spreadsheetsKeep(lost)).toBe(false);
  });
});
