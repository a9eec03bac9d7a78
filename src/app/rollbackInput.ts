import { createHash } from "node:crypto";
import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { link, unlink } from "node:fs/promises";
import { join } from "node:path";
import { tmpPath } from "../report/tmpPath.js";
import { AppError } from "./AppError.js";

/**
 * Writes a rollback's rows (JSONL, owner-only) as `<dir>/rollback-input.jsonl`, never over another's. Written
 * beside it under a name of its own, then linked into place, which fails where the name exists: a file there
 * with the same rows is this rollback's own (taken up again after a crash: the rows are made the same way from
 * the same finished run) and is kept; one with other rows is another command's, given the same --run-id at the
 * same moment (another run's rollback, or this one with --force), and is refused before anything is queued.
 * Written over, it was read by the other's producer as its own: one run id sent one parent's rows as the other's.
 * `made`: this call put the file there (a command refused after it takes it away: customer data, no run's).
 */
export async function writeRollbackInput(dir: string, runId: string, rows: Iterable<object>): Promise<{ path: string; made: boolean }> {
  const input = join(dir, "rollback-input.jsonl");
  const tmp = tmpPath(input);
  const mine = createHash("sha256");
  const out = createWriteStream(tmp, { mode: 0o600 });
  try {
    for (const row of rows) {
      const line = `${JSON.stringify(row)}\n`;
      mine.update(line);
      if (!out.write(line)) await once(out, "drain");
    }
    out.end();
    await once(out, "finish");
    try {
      await link(tmp, input);
      return { path: input, made: true };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    if ((await hashOf(input)) !== mine.digest("hex")) {
      throw new AppError(
        `${input} holds other rows than this rollback's: another command was given --run-id ${runId} (another run's rollback, or this one with or without --force); give a new --run-id.`,
        { code: "run-id-taken" },
      );
    }
    return { path: input, made: false };
  } finally {
    out.destroy();
    await unlink(tmp).catch(() => undefined);
  }
}

async function hashOf(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}
