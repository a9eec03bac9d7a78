import { rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { inThread, threadEntry } from "../lib/threadApart.js";
import { ensureDir } from "./ensureDir.js";
import { FailuresWorkbook } from "./failuresWorkbook.js";
import { tmpPath } from "./tmpPath.js";

/** Marks the thread's data, so this module knows it is the thread's entry and not a module imported by a command. */
const ENTRY = "connect-backfill:emptyWorkbook";

/** A header-only failures.xlsx being written beside the report, in its own name until it is placed or thrown away. */
export interface EmptyWorkbook {
  /** Where it goes, and the header it was started with: a report whose own differ writes its own. */
  readonly path: string;
  readonly header: readonly string[];
  /** Renames it to its path: the run had no failure. Resolves false if it could not be written (write it here then). */
  place(): Promise<boolean>;
  /** Throws it away: the run had failures, and their workbook is written here. */
  discard(): Promise<void>;
}

/**
 * failures.xlsx as a run without failures leaves it (its header row only), written in a thread of its own while
 * this one writes outcomes.csv: the spreadsheet library's load and the workbook (~0.1 s of a clean night's CPU,
 * on the report's path) go to the other core. The same code writes it (FailuresWorkbook), into a name of its own:
 * a run that turns out to have failures throws it away, and its own workbook never races with it (lib/threadApart.ts).
 * `run` starts it as soon as its run is made (the header is the run's): a thread's start and the library's load
 * took ~0.15 s longer than outcomes.csv of a 100k-row night, all of it waited for at the report's end.
 */
export function emptyWorkbookApart(path: string, header: readonly string[]): EmptyWorkbook {
  const staged = tmpPath(path);
  const written = write(staged, [...header]).then(
    () => true,
    () => false,
  );
  return {
    path,
    header,
    place: async () =>
      (await written) &&
      rename(staged, path).then(
        () => true,
        () => false,
      ),
    // Never fails: a staged file that cannot be removed is left for the next report writer (tmpPath.ts removeStaleStaged).
    discard: async () => {
      await written;
      await rm(staged, { force: true }).catch(() => undefined);
    },
  };
}

function write(staged: string, header: string[]): Promise<void> {
  return inThread(import.meta.url, ENTRY, { staged, header }, writeEmpty, "the header-only failures workbook");
}

async function writeEmpty({ staged, header }: { staged: string; header: readonly string[] }): Promise<void> {
  // Started early, it may come before anything else made the run's folder (private, as writeReportFiles makes it).
  await ensureDir(dirname(staged));
  await (await FailuresWorkbook.open(staged, header)).commit();
}

threadEntry(ENTRY, writeEmpty);
