import { Transform, type TransformCallback } from "node:stream";
import { StringDecoder } from "node:string_decoder";

// The start of an inline string: <is>, <is ...> (not <is/>, which holds nothing to join).
const INLINE_START = /<is[\s>]/g;
const END = "</is>";
/** A run's text element: <t>, <t xml:space="preserve">, or an empty <t/>. */
const TEXT = /<t(?:\s[^>]*)?(?:\/>|>([\s\S]*?)<\/t>)/g;
/** Phonetic runs (furigana) and their settings: shown above the text in Excel, not part of it. */
const PHONETIC = /<rPh[\s>][\s\S]*?<\/rPh>|<phoneticPr[^>]*\/>/g;

/** An inline string as one text element, its runs' texts joined in order (as they are written: still escaped). */
export function joinedInline(element: string): string {
  // Most inline strings are one text element and no phonetic run (every failures.xlsx cell): left as they are.
  const first = element.indexOf("<t");
  if (element.indexOf("<t", first + 2) < 0 && !element.includes("<rPh") && !element.includes("<phoneticPr")) return element;
  const plain = element.replace(PHONETIC, "");
  const texts = [...plain.matchAll(TEXT)];
  if (texts.length <= 1 && plain.length === element.length) return element;
  return `<is><t xml:space="preserve">${texts.map((t) => t[1] ?? "").join("")}</t></is>`;
}

/**
 * A worksheet's XML with every inline string's runs joined into one text element. exceljs's worksheet reader
 * starts the cell's text again at each <t>, so an inline string written in runs (formatted pieces: what exceljs's
 * streaming writer and xlsxwriter's constant-memory mode write) kept only its last piece: "Call back tomorrow"
 * was read, and would have been sent, as " tomorrow". Strings in the shared-strings part are read whole already.
 */
export class JoinInlineRuns extends Transform {
  private readonly decoder = new StringDecoder("utf8");
  private carry = "";

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.passOn(this.carry + this.decoder.write(chunk), false);
    done();
  }

  override _flush(done: TransformCallback): void {
    this.passOn(this.carry + this.decoder.end(), true);
    done();
  }

  /** Passes on what is complete; an inline string not yet closed (or the first bytes of one) waits for more. */
  private passOn(text: string, final: boolean): void {
    let out = "";
    let from = 0;
    this.carry = "";
    for (;;) {
      INLINE_START.lastIndex = from;
      const start = INLINE_START.exec(text)?.index;
      if (start === undefined) {
        // "<is" split across chunks: its first characters wait.
        const keep = final ? text.length : Math.max(from, text.length - 3);
        out += text.slice(from, keep);
        this.carry = text.slice(keep);
        break;
      }
      const end = text.indexOf(END, start);
      if (end < 0) {
        out += text.slice(from, final ? text.length : start);
        this.carry = final ? "" : text.slice(start);
        break;
      }
      out += text.slice(from, start) + joinedInline(text.slice(start, end + END.length));
      from = end + END.length;
    }
    if (out !== "") this.push(out);
  }
}
