import { Transform, type TransformCallback } from "node:stream";

const WORKSHEET_END = /<\/(?:[\w.-]+:)?worksheet>\s*$/;

/**
 * Passes a worksheet's XML on and fails it if it does not end with the worksheet's closing tag: a sheet whose
 * text stops mid-row (a damaged file whose zip is whole) was read as the rows before the cut, the rest dropped
 * without a word, as if the file ended there.
 */
export class SheetEnd extends Transform {
  private tail = "";

  override _transform(chunk: Buffer | string, _enc: BufferEncoding, done: TransformCallback): void {
    this.tail = (this.tail + String(chunk)).slice(-64);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    done(WORKSHEET_END.test(this.tail) ? null : new Error("its sheet's XML stops before its end: the file is damaged"));
  }
}
