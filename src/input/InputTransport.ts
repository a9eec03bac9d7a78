import type { Readable } from "node:stream";

/**
 * Where an input's bytes come from: a local file, standard input or an S3
 * object. Formats (CSV, JSONL) read from any of them; a run records `id` and
 * `fingerprint`, so the same command resumes it and a changed input is refused
 * whatever its kind. One file per kind; a new kind is one more.
 */
export interface InputTransport {
  /** As recorded in the run: an absolute path, an s3:// URL, or "-". */
  readonly id: string;
  /** The bytes, from the start; a missing or unreadable input is an InputFileError of one sentence. */
  open(): Promise<Readable>;
  /** Tells this content from any other (undefined: cannot be read again, so neither compared nor resumed). */
  fingerprint(): Promise<string | undefined>;
  /** Read to the end: a sentence if the input changed while it was read (else undefined). */
  changedWhileRead(): Promise<string | undefined>;
}

/** An input as a reader takes it: a name (path, URL, "-") or a transport already made. */
export type InputRef = string | InputTransport;

export const inputName = (input: InputRef): string => (typeof input === "string" ? input : input.id);

/** The size part of a fingerprint (file: `size:hash`, S3: `s3:size:etag`), for the message that says the input changed. */
export function fingerprintSize(fp: string): number {
  return Number(fp.startsWith("s3:") ? fp.split(":")[1] : fp.split(":")[0]);
}
