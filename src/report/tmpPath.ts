import { randomBytes } from "node:crypto";
import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";

/**
 * A temporary name beside `path`, unique to this write: two report writers on
 * one run (a `report` while `run` follows it) must never rename each other's
 * half-written file away (a fixed `.tmp` name failed 7 times in 10 that way).
 */
export function tmpPath(path: string): string {
  return `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
}

/**
 * A name tmpPath gave: the file's, the writer's process id, its random part; and a name staged inside a staged one
 * (the header-only workbook's thread writes `<staged>.<pid>.<random>.tmp` until it renames it to `<staged>`).
 */
const STAGED = /^(.+?)\.(\d+)\.[0-9a-f]{8}\.tmp(?:\.\d+\.[0-9a-f]{8}\.tmp)?$/;

/** When this process started: a staged file named with its process id but older is a killed process's (containers reuse pid 1). */
const STARTED_MS = Date.now() - process.uptime() * 1000;

/**
 * Removes from `dir` what writers of other processes staged for `names` and left there (killed before they
 * renamed or removed it): a run's header-only workbook is staged from the time the run is made, so a run killed
 * and started again would otherwise leave one beside its reports. Called by a report's writer, which holds the
 * run's folder (reportDirLock.ts); this process's own staged files (its threads' too) are left alone. Best effort:
 * a file that cannot be removed stays, and the report is written all the same.
 */
export async function removeStaleStaged(dir: string, names: readonly string[]): Promise<void> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    entries.map(async (f) => {
      const m = STAGED.exec(f);
      if (m === null || !names.includes(m[1] as string)) return;
      const path = join(dir, f);
      if (Number(m[2]) === process.pid) {
        const made = await stat(path).catch(() => undefined);
        if (!made || made.mtimeMs >= STARTED_MS) return;
      }
      await rm(path, { force: true }).catch(() => undefined);
    }),
  );
}
