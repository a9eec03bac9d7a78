import { createReadStream, type Stats } from "node:fs";
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import type { Readable } from "node:stream";
import { fileFingerprint } from "./fileFingerprint.js";
import { InputFileError } from "./InputFileError.js";
import type { InputTransport } from "./InputTransport.js";

async function statOf(path: string): Promise<{ size: number; mtimeMs: number } | undefined> {
  try {
    const s = await stat(path);
    return { size: s.size, mtimeMs: s.mtimeMs };
  } catch {
    return undefined;
  }
}

/** A local file: fingerprinted by its size and both ends; changed while read if its size or time moved. */
export function fileTransport(given: string): InputTransport {
  const path = resolve(given);
  let before: { size: number; mtimeMs: number } | undefined;
  return {
    id: path,
    open: () => openFile(given),
    async fingerprint() {
      const print = await fileFingerprint(path);
      before = print.stat;
      return print.fingerprint;
    },
    async changedWhileRead() {
      if (!before) return undefined;
      const after = await statOf(path);
      if (after && after.size === before.size && after.mtimeMs === before.mtimeMs) return undefined;
      return `${path} changed while it was read (${before.size} bytes at the start, ${after ? `${after.size} at the end` : "gone at the end"})`;
    },
  };
}

async function openFile(path: string): Promise<Readable> {
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
