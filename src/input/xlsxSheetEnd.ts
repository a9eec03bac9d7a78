import { Transform, type TransformCallback } from "node:stream";

/** The worksheet's closing tag, whatever its prefix, then only what may follow the root: spaces, comments, PIs. */
const ENDS_WHOLE = /<\/(?:[\w.-]+:)?worksheet\s*>(?:\s|<!--[\s\S]*?-->|<\?[\s\S]*?\?>)*$/;
/** How much of the end is kept to look at: room for a closing tag and whatever a tool writes after it. */
const TAIL = 4096;

/**
 * Passes a worksheet's XML on and fails it if it does not end with the worksheet's closing tag: a sheet whose text
 * stops mid-row (a damaged file whose zip is whole) was read as the rows before the cut, the rest dropped without a
 * word, as if the file ended there. Spaces, comments and processing instructions after the closing tag are no matter.
 */
export class SheetEnd extends Transform {
  /** The last bytes seen (the tags looked for are ASCII: read as Latin-1, whatever the text). */
  private tail: Buffer = Buffer.alloc(0);

  override _transform(chunk: Buffer | string, _enc: BufferEncoding, done: TransformCallback): void {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    this.tail = bytes.length >= TAIL ? bytes.subarray(bytes.length - TAIL) : Buffer.concat([this.tail, bytes]).subarray(-TAIL);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    done(ENDS_WHOLE.test(this.tail.toString("latin1")) ? null : new Error("its sheet's XML stops before its end: the file is damaged"));
  }
}
