import { createHash } from "node:crypto";
import { open } from "node:fs/promises";

/** Bytes read from each end of the file: enough to tell exports apart, cheap on a 10 GB file. */
const SAMPLE = 1024 * 1024;

/**
 * A content fingerprint of an input file: its size and a SHA-256 of its first
 * and last MiB. Kept in the run manifest, so `--run-id` reused on a file that
 * changed (tonight's export at yesterday's path) is refused instead of being
 * taken for the run already queued. Not the modification time: a copy or a
 * `touch` does not change what the rows say.
 */
export async function fileFingerprint(path: string): Promise<{ fingerprint: string; stat: { size: number; mtimeMs: number } }> {
  const fh = await open(path, "r");
  try {
    const { size, mtimeMs } = await fh.stat();
    const hash = createHash("sha256");
    const head = Buffer.alloc(Math.min(SAMPLE, size));
    await fh.read(head, 0, head.length, 0);
    hash.update(head);
    if (size > SAMPLE) {
      const tail = Buffer.alloc(Math.min(SAMPLE, size - SAMPLE));
      await fh.read(tail, 0, tail.length, size - tail.length);
      hash.update(tail);
    }
    // The stat comes along: the producer compares it at the end to see a file that changed while read.
    return { fingerprint: `${size}:${hash.digest("hex").slice(0, 32)}`, stat: { size, mtimeMs } };
  } finally {
    await fh.close();
  }
}
