import { mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";

/**
 * `mkdir -p`, one level at a time. Node 20's `mkdir(…, { recursive: true })`
 * never returns for a path under /proc (measured: it loops), so a wrong
 * --reports-dir would hang the command instead of failing with a sentence.
 */
export async function ensureDir(dir: string, mode = 0o700): Promise<void> {
  const path = resolve(dir);
  try {
    await mkdir(path, { mode });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return;
    if (code !== "ENOENT" || dirname(path) === path) throw err;
    await ensureDir(dirname(path), mode);
    try {
      await mkdir(path, { mode });
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code !== "EEXIST") throw again;
    }
  }
}
