import { rename, rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
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
 * a run that turns out to have failures throws it away, and its own workbook never races with it. From TypeScript
 * sources (the tests), where a thread cannot load this file, it is written in this thread instead.
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
  const self = fileURLToPath(import.meta.url);
  if (!self.endsWith(".js")) return writeEmpty(staged, header);
  return new Promise<void>((resolve, reject) => {
    const thread = new Worker(self, { workerData: { [ENTRY]: { staged, header } } });
    thread.once("message", (answer: { ok: true } | { error: string }) => {
      if ("ok" in answer) resolve();
      else reject(new Error(answer.error));
    });
    thread.once("error", reject);
    thread.once("exit", (code) => reject(new Error(`the workbook's thread ended without an answer (exit ${code})`)));
  });
}

async function writeEmpty(staged: string, header: readonly string[]): Promise<void> {
  await (await FailuresWorkbook.open(staged, header)).commit();
}

if (!isMainThread && parentPort && workerData && typeof workerData === "object" && ENTRY in workerData) {
  const port = parentPort;
  const { staged, header } = (workerData as Record<string, { staged: string; header: string[] }>)[ENTRY] as { staged: string; header: string[] };
  void writeEmpty(staged, header).then(
    () => port.postMessage({ ok: true }),
    (err: unknown) => port.postMessage({ error: String((err as Error)?.message ?? err) }),
  );
}
