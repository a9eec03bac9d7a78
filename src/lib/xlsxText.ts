/**
 * Text in a workbook's cells as Office Open XML stores it (ST_Xstring): a character XML cannot carry (a control
 * character, U+FFFE, U+FFFF, half of a surrogate pair) is written `_xHHHH_`, as is a carriage return (an XML reader
 * turns a raw one into a line feed), and an `_x` that would read as such an escape has its `_` written `_x005F_`.
 * Excel and LibreOffice read and write cells this way; the spreadsheet library we use does neither (it drops
 * control characters and writes U+FFFF raw, which makes the whole file unreadable), so failures.xlsx is escaped
 * here and every workbook read is unescaped here.
 */

const ESCAPED = /_x([0-9A-Fa-f]{4})_/g;

/**
 * Text that spells one of XML's five named entities (`&amp;` as text): the spreadsheet library's reader decodes a
 * cell it wrote once more after the XML parser did ("a &amp; b" came back "a & b"), and no escape helps every
 * program (LibreOffice keeps `_x0026_` as that text).
 */
const ENTITY_TEXT = /&(?:lt|gt|amp|apos|quot);/;

/** Characters a spreadsheet program may not give back: LibreOffice reads `_x000D_` and `_x0001_` as that text. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what spreadsheets do not keep, so they are what is looked for.
const NOT_KEPT = /[\u0000-\u0008\u000B-\u001F\u007F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Whether every spreadsheet program keeps this text in a cell as it is: not with a control character (a tab and a
 * line feed are kept), a CR, U+FFFE, U+FFFF or half of a surrogate pair. Excel keeps them (escaped), LibreOffice
 * gives back the escape's own text (measured: "l1\r\nl2" came back as "l1_x000D_\nl2" after it saved the file);
 * nor text that spells an XML entity (ENTITY_TEXT).
 */
export function spreadsheetsKeep(text: string): boolean {
  return !NOT_KEPT.test(text) && !(text.includes("&") && ENTITY_TEXT.test(text));
}

/** What must be escaped: what no spreadsheet keeps as it is (above; DEL too: the spreadsheet library drops it), and an `_` that starts `_xHHHH_`. */
const MUST_ESCAPE = new RegExp(`${NOT_KEPT.source}|_(?=x[0-9A-Fa-f]{4}_)`, "g");

function escapeOne(c: string): string {
  return `_x${(c.charCodeAt(0) as number).toString(16).toUpperCase().padStart(4, "0")}_`;
}

/** A cell's text as a workbook stores it. */
export function escapeXlsxText(text: string): string {
  return text.replace(MUST_ESCAPE, escapeOne);
}

/** A stored cell's text as it was written (see escapeXlsxText). */
export function unescapeXlsxText(text: string): string {
  return text.includes("_x") ? text.replace(ESCAPED, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))) : text;
}
