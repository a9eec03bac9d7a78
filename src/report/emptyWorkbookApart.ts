import { rename, rm } from "node:fs/promises";
import { inThread, threadEntry } from "../lib/threadApart.js";
import { FailuresWorkbook } from "./failuresWorkbook.js";
import { tmpPath } from "./tmpPath.js";

/** Marks the thread's data, so this module knows it is the thread's entry and not a module imported by a command. */
const ENTRY = "connect-backfill:emptyWorkbook";

/** A header-only failures.xlsx being written beside the report, in its own name until it is placed or thrown away. */
export interface EmptyWorkbook {
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
 */
export function emptyWorkbookApart(path: string, header: readonly string[]): EmptyWorkbook {
  const staged = tmpPath(path);
  const written = write(staged, [...header]).then(
    () => true,
    () => false,
  );
  return {
    place: async () =>
      (await written) &&
      rename(staged, path).then(
        () => true,
        () => false,
      ),
    discard: async () => {
      await written;
      await rm(staged, { force: true });
    },
  };
}

function write(staged: string, header: string[]): Promise<void> {
  return inThread(import.meta.url, ENTRY, { staged, header }, writeEmpty, "the header-only failures workbook");
}

async function writeEmpty({ staged, header }: { staged: string; header: readonly string[] }): Promise<void> {
  await (await FailuresWorkbook.open(staged, header)).commit();
}

threadEntry(ENTRY, writeEmpty);
