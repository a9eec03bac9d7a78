import { readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export interface Match {
  /** Absolute path of the newest matching file. */
  readonly path: string;
  readonly mtime: Date;
  /** How many files matched. */
  readonly count: number;
}

export const hasWildcard = (pattern: string): boolean => /[*?]/.test(pattern);

/**
 * `*` (any run of characters) and `?` (one character) in a single file name, as a
 * shell would, without a dependency: only the last segment of a path may hold
 * them, and a leading "." must be matched by a "." (hidden files stay hidden).
 */
export function fileNameMatcher(pattern: string): (name: string) => boolean {
  const source = [...pattern].map((ch) => (ch === "*" ? "[^/]*" : ch === "?" ? "[^/]" : ch.replace(/[\\^$.|+()[\]{}]/g, "\\$&"))).join("");
  const re = new RegExp(`^${source}$`, "u");
  return (name) => re.test(name) && (!name.startsWith(".") || pattern.startsWith("."));
}

/**
 * The newest regular file (by modification time; the last name in sort order
 * among equal times) matching `pattern`, an absolute path whose last segment
 * may hold * and ?. Undefined when nothing matches or the folder does not exist.
 */
export async function newestMatch(pattern: string): Promise<Match | undefined> {
  const dir = dirname(pattern);
  const matches = fileNameMatcher(basename(pattern));
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" || (err as NodeJS.ErrnoException).code === "ENOTDIR") return undefined;
    throw err;
  }
  let best: { path: string; mtime: Date; name: string } | undefined;
  let count = 0;
  for (const name of names.filter(matches)) {
    const path = join(dir, name);
    const st = await stat(path).catch(() => undefined); // gone since readdir, or a dangling link
    if (!st?.isFile()) continue;
    count++;
    if (best === undefined || st.mtimeMs > best.mtime.getTime() || (st.mtimeMs === best.mtime.getTime() && name > best.name)) best = { path, mtime: st.mtime, name };
  }
  return best === undefined ? undefined : { path: best.path, mtime: best.mtime, count };
}
