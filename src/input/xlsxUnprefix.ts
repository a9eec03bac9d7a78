import { Transform, type TransformCallback } from "node:stream";
import { StringDecoder } from "node:string_decoder";

const MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
/** The root element's start tag: the first `<` that opens neither a declaration (`<?`) nor a comment (`<!`). */
const ROOT = /<(?![?!])[^>]*>/;

/**
 * A spreadsheet part's XML with the main namespace's elements unprefixed. Some producers (the .NET Open XML SDK,
 * for one) write every element with a prefix (`<x:row>`, `<x:c>`); exceljs's readers know the elements only by
 * their plain names, and read such a sheet as empty (refused: "the first sheet is empty") or its strings as
 * nothing. Only the prefix bound to the main namespace is taken off; a part without one passes as it is.
 */
export class UnprefixMain extends Transform {
  private readonly decoder = new StringDecoder("utf8");
  /** The main namespace's prefix: undefined until the root tag is seen; "" when it has none (bytes pass untouched). */
  private ns: string | undefined;
  /** Bytes before the root tag was seen whole. */
  private head: Buffer[] = [];
  /** The first bytes of a character the last chunk ended in (the part's main namespace unprefixed). */
  private partial: Buffer = Buffer.alloc(0);
  /** Text after the last `<` of what came: a tag split across chunks (`<x` | `:row`) waits for the rest. */
  private carry = "";

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.ns === "") {
      this.passBytes(chunk);
      done();
      return;
    }
    if (this.ns === undefined) {
      this.head.push(chunk);
      const bytes = Buffer.concat(this.head);
      // The root tag and the namespace's name are ASCII: read as Latin-1 to find them, whatever the text's encoding.
      const root = ROOT.exec(bytes.toString("latin1"));
      if (!root) {
        done();
        return;
      }
      this.head = [];
      this.ns = new RegExp(`xmlns:([\\w.-]+)\\s*=\\s*["']${MAIN.replaceAll(".", "\\.")}["']`).exec(root[0])?.[1] ?? "";
      if (this.ns === "") {
        this.passBytes(bytes);
        done();
        return;
      }
      chunk = bytes;
    }
    this.passOn(this.carry + this.decoder.write(chunk), false);
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.ns === undefined) {
      const bytes = Buffer.concat(this.head);
      if (bytes.length > 0) this.push(bytes); // no root tag at all: the reader says what is wrong
    } else if (this.ns === "") {
      if (this.partial.length > 0) this.push(this.partial);
    } else this.passOn(this.carry + this.decoder.end(), true);
    done();
  }

  /**
   * Bytes passed on whole characters at a time: exceljs decodes each chunk on its own, and a character split
   * between two chunks came out as two U+FFFD (non-ASCII text of the shared strings, now and then).
   */
  private passBytes(chunk: Buffer): void {
    const bytes = this.partial.length > 0 ? Buffer.concat([this.partial, chunk]) : chunk;
    const whole = wholeCharacters(bytes);
    this.partial = bytes.subarray(whole);
    if (whole > 0) this.push(bytes.subarray(0, whole));
  }

  private passOn(text: string, final: boolean): void {
    const cut = final ? text.length : text.lastIndexOf("<") < 0 ? text.length : text.lastIndexOf("<");
    const ready = text.slice(0, cut);
    this.carry = text.slice(cut);
    if (ready !== "") this.push(ready.replaceAll(`<${this.ns}:`, "<").replaceAll(`</${this.ns}:`, "</"));
  }
}

/** How many of `bytes` are whole UTF-8 characters: all but a sequence cut short at the end. */
export function wholeCharacters(bytes: Buffer): number {
  for (let i = bytes.length - 1; i >= 0 && i >= bytes.length - 4; i--) {
    const b = bytes[i] as number;
    if (b < 0x80) return bytes.length; // ASCII: nothing cut
    if (b >= 0xc0) {
      const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return bytes.length - i >= length ? bytes.length : i;
    }
  }
  return bytes.length;
}
