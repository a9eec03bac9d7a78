import { Transform, type TransformCallback } from "node:stream";
import { StringDecoder } from "node:string_decoder";

/** A run's text element: <t>, <t xml:space="preserve">, or an empty <t/> (with or without attributes). */
const TEXT = /<t(?:\s[^>]*?)?(?:\/>|>([\s\S]*?)<\/t>)/g;
/** Phonetic runs (furigana) and their settings, shown above the text in Excel and not part of it; and comments. */
const NOT_TEXT = /<rPh[\s>][\s\S]*?<\/rPh>|<phoneticPr[^>]*\/>|<!--[\s\S]*?-->/g;

/**
 * A string element (`is`: a cell's inline string; `si`: an entry of the shared strings) as one text element, its
 * runs' texts joined in order (as they are written: still escaped).
 */
export function joinedRuns(element: string, name: "is" | "si"): string {
  // Most strings are one text element, no phonetic run, no comment (every failures.xlsx cell): left as they are.
  const first = element.indexOf("<t");
  if (element.indexOf("<t", first + 2) < 0 && !element.includes("<rPh") && !element.includes("<phoneticPr") && !element.includes("<!--")) return element;
  const plain = element.replace(NOT_TEXT, "");
  const texts = [...plain.matchAll(TEXT)];
  if (texts.length <= 1 && plain.length === element.length) return element;
  return `<${name}><t xml:space="preserve">${texts.map((t) => t[1] ?? "").join("")}</t></${name}>`;
}

/** How many characters at the end of `text` may be the start of `<name` split across chunks (ASCII: never half a character). */
function partialStart(text: string, open: string): number {
  for (let n = Math.min(open.length, text.length); n > 0; n--) if (text.endsWith(open.slice(0, n))) return n;
  return 0;
}

/**
 * A part's XML with every string element's runs joined into one text element: `is` in a worksheet, `si` in the
 * shared strings. exceljs's worksheet reader starts a cell's inline text again at each <t>, so a string written in
 * runs (formatted pieces: what exceljs's streaming writer and xlsxwriter's constant-memory mode write) kept only
 * its last piece: "Call back tomorrow" was read, and would have been sent, as " tomorrow"; and both readers took a
 * phonetic reading (Japanese furigana, which Excel stores with text typed through an IME) for the text. Chunks are
 * passed on whole characters at a time: exceljs decodes each chunk on its own, and a character split between two
 * came out as two U+FFFD.
 */
export class JoinRuns extends Transform {
  private readonly decoder = new StringDecoder("utf8");
  private readonly startTag: RegExp;
  private readonly openTag: string;
  private readonly closeTag: string;
  private carry = "";

  constructor(private readonly name: "is" | "si") {
    super();
    // <is>, <is ...> (not <is/>, which holds nothing to join).
    this.startTag = new RegExp(`<${name}[\\s>]`, "g");
    this.openTag = `<${name}`;
    this.closeTag = `</${name}>`;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.passOn(this.carry + this.decoder.write(chunk), false);
    done();
  }

  override _flush(done: TransformCallback): void {
    this.passOn(this.carry + this.decoder.end(), true);
    done();
  }

  /** Passes on what is complete; a string element not yet closed (or the first characters of one) waits for more. */
  private passOn(text: string, final: boolean): void {
    let out = "";
    let from = 0;
    this.carry = "";
    for (;;) {
      this.startTag.lastIndex = from;
      const start = this.startTag.exec(text)?.index;
      if (start === undefined) {
        const keep = final ? text.length : text.length - partialStart(text, this.openTag);
        out += text.slice(from, Math.max(from, keep));
        this.carry = text.slice(Math.max(from, keep));
        break;
      }
      const end = text.indexOf(this.closeTag, start);
      if (end < 0) {
        out += text.slice(from, final ? text.length : start);
        this.carry = final ? "" : text.slice(start);
        break;
      }
      out += text.slice(from, start) + joinedRuns(text.slice(start, end + this.closeTag.length), this.name);
      from = end + this.closeTag.length;
    }
    if (out !== "") this.push(out);
  }
}
