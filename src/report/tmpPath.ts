import { randomBytes } from "node:crypto";
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";

/**
 * A temporary name beside `path`, unique to this write: two report writers on
 * one run (a `report` while `run` follows it) must never rename each other's
 * half-written file away (a fixed `.tmp` name failed 7 times in 10 that way).
 */
export function tmpPath(path: string): string {
  return `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
}

/** A name tmpPath gave: the file's, the writer's process id, its random part. */
const STAGED = /^(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/**
 * Removes from `dir` what writers of other processes staged for `names` and left there (killed before they
 * renamed or removed it): a run's header-only workbook is staged from the time the run is made, so a run killed
 * and started again would otherwise leave one beside its reports. Called by a report's writer, which holds the
 * run's folder (reportDirLock.ts); this process's own staged files are left alone.
 */
export async function removeStaleStaged(dir: string, names: readonly string[]): Promise<void> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  const stale = entries.filter((f) => {
    const m = STAGED.exec(f);
    return m !== null && names.includes(m[1] as string) && Number(m[2]) !== process.pid;
  });
  await Promise.all(stale.map((f) => rm(join(dir, f), { force: true })));
}
