import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { stat } from "node:fs/promises";
import { InputFileError } from "./InputFileError.js";

/** `-` names standard input, for `enqueue -` and `run -` (a pipe from an export tool). */
export const STDIN = "-";

/** Opens an input file (or standard input), turning the usual mistakes into one clear sentence. */
export async function openInput(path: string): Promise<Readable> {
  if (path === STDIN) return process.stdin;
  let info;
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
        new InputFileError(
          err.code === "EACCES" ? `${path}: permission denied; the file cannot be read.` : `${path}: cannot be read (${err.code ?? err.message}).`,
        ),
      ),
    );
  });
  return stream;
}
