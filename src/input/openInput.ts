import { createReadStream, type Stats } from "node:fs";
import { Readable } from "node:stream";
import { stat } from "node:fs/promises";
import { InputFileError } from "./InputFileError.js";

/** `-` names standard input, for `enqueue -` and `run -` (a pipe from an export tool). */
export const STDIN = "-";

/** Opens an input file (or standard input), turning the usual mistakes into one clear sentence. */
export async function openInput(path: string): Promise<Readable> {
  return checkedText(path, await openRaw(path));
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
    if (evenZero + oddZero > 0) {
      const half = head.length / 2;
      const utf16 = (oddZero > 0.6 * half && evenZero < 0.1 * half) || (evenZero > 0.6 * half && oddZero < 0.1 * half);
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

async function openRaw(path: string): Promise<Readable> {
  if (path === STDIN) return process.stdin;
  let info: Stats;
  try {
    info = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new InputFileError(`${path}: no such file.`);
    if (code === "EACCES") throw new InputFileError(`${path}: permission denied; the file cannot be read.`);
    throw new InputFileError(`${path}: cannot be read (${code ?? (err as Error).message}).`);
  }
  if (info.isDirectory()) throw new InputFileError(`${path}: is a directory, not an input file.`);
  const stream = createReadStream(path, { highWaterMark: 256 * 1024 });
  await new Promise<void>((resolve, reject) => {
    stream.once("open", () => resolve());
    stream.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        new InputFileError(err.code === "EACCES" ? `${path}: permission denied; the file cannot be read.` : `${path}: cannot be read (${err.code ?? err.message}).`),
      ),
    );
  });
  return stream;
}
