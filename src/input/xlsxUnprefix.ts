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
  /** Undefined until the root tag is seen; "" when the main namespace has no prefix (bytes pass untouched). */
  private prefix: string | undefined;
  /** Bytes before the root tag was seen whole. */
  private head: Buffer[] = [];
  /** Text after the last `<` of what came: a tag split across chunks (`<x` | `:row`) waits for the rest. */
  private carry = "";

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.prefix === "") {
      done(null, chunk);
      return;
    }
    if (this.prefix === undefined) {
      this.head.push(chunk);
      const bytes = Buffer.concat(this.head);
      // The root tag and the namespace's name are ASCII: read as Latin-1 to find them, whatever the text's encoding.
      const root = ROOT.exec(bytes.toString("latin1"));
      if (!root) {
        done();
        return;
      }
      this.head = [];
      this.prefix = new RegExp(`xmlns:([\\w.-]+)\\s*=\\s*["']${MAIN.replaceAll(".", "\\.")}["']`).exec(root[0])?.[1] ?? "";
      if (this.prefix === "") {
        done(null, bytes);
        return;
      }
      chunk = bytes;
    }
    this.passOn(this.carry + this.decoder.write(chunk), false);
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.prefix === undefined) {
      const bytes = Buffer.concat(this.head);
      if (bytes.length > 0) this.push(bytes); // no root tag at all: the reader says what is wrong
    } else if (this.prefix !== "") this.passOn(this.carry + this.decoder.end(), true);
    done();
  }

  private passOn(text: string, final: boolean): void {
    const cut = final ? text.length : text.lastIndexOf("<") < 0 ? text.length : text.lastIndexOf("<");
    const ready = text.slice(0, cut);
    this.carry = text.slice(cut);
    if (ready !== "") this.push(ready.replaceAll(`<${this.prefix}:`, "<").replaceAll(`</${this.prefix}:`, "</"));
  }
}
