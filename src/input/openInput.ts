import { Readable } from "node:stream";
import { InputFileError } from "./InputFileError.js";
import { inputName, type InputRef } from "./InputTransport.js";
import { STDIN, transportOf } from "./transportOf.js";

export { STDIN } from "./transportOf.js";

/** Opens an input (a file, standard input, an S3 object), turning the usual mistakes into one clear sentence. */
export async function openInput(input: InputRef): Promise<Readable> {
  return checkedText(inputName(input), await transportOf(input).open());
}

/**
 * Looks at the first bytes before anything is parsed: UTF-16 (Excel's "Unicode
 * text") and binary data would otherwise come out as one garbled row per line,
 * or, for /dev/zero, as a header that never ends (100% CPU, for ever).
 */
async function checkedText(path: string, stream: Readable): Promise<Readable> {
  const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await it.next().catch((err: unknown) => {
    throw new InputFileError(`${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
  });
  if (!first.done) {
    const head = first.value.subarray(0, 64 * 1024);
    const name = path === STDIN ? "standard input" : path;
    if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
      stream.destroy();
      throw new InputFileError(`${name}: the file is UTF-16 text; save it as UTF-8 (in Excel: "CSV UTF-8") and run it again.`);
    }
    // UTF-16 of mostly ASCII text has a zero in every other byte, and only there.
    let evenZero = 0;
    let oddZero = 0;
    for (let i = 0; i < head.length; i++) if (head[i] === 0) i % 2 === 0 ? evenZero++ : oddZero++;
    const half = head.length / 2;
    const utf16 = (oddZero > 0.6 * half && evenZero < 0.1 * half) || (evenZero > 0.6 * half && oddZero < 0.1 * half);
    // Binary data is not UTF-8 (a zip, a gzip) or is mostly zero bytes (/dev/zero); a text export with zero bytes
    // in a line (a padded field) is text, and that line is its own outcome (NulCharacter), wherever it is.
    const zeros = evenZero + oddZero;
    const binary = zeros > 0 && (zeros > head.length / 2 || !isUtf8(head));
    if (utf16 || binary) {
      stream.destroy();
      throw new InputFileError(
        utf16
          ? `${name}: the file looks like UTF-16 text without a byte-order mark; save it as UTF-8 and run it again.`
          : `${name}: the file holds NUL bytes; it is not a CSV or JSONL text file.`,
      );
    }
  }
  async function* again(): AsyncGenerator<Buffer> {
    try {
      if (!first.done) yield first.value;
      for (;;) {
        const next = await it.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      stream.destroy();
    }
  }
  return Readable.from(again(), { objectMode: false });
}

/** Whether the bytes are UTF-8, but for a character the read cut short at their end. */
function isUtf8(bytes: Buffer): boolean {
  try {
    // `stream`: a character cut at the end is left for a next chunk, not an error.
    new TextDecoder("utf-8", { fatal: true }).decode(bytes, { stream: true });
    return true;
  } catch {
    return false;
  }
}
