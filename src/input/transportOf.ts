import { isS3Url } from "../lib/s3Url.js";
import { fileTransport } from "./fileTransport.js";
import type { InputRef, InputTransport } from "./InputTransport.js";
import { s3Transport } from "./s3Transport.js";

/** `-` names standard input, for `enqueue -` and `run -` (a pipe from an export tool). */
export const STDIN = "-";

const stdinTransport: InputTransport = {
  id: STDIN,
  open: async () => process.stdin,
  fingerprint: async () => undefined,
  changedWhileRead: async () => undefined,
};

/** The transport of an input as the user names it (a file's path made absolute); one already made is kept. */
export function transportOf(input: InputRef): InputTransport {
  if (typeof input !== "string") return input;
  if (input === STDIN) return stdinTransport;
  if (isS3Url(input)) return s3Transport(input);
  return fileTransport(input);
}
