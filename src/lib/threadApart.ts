import { fileURLToPath } from "node:url";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";

/** A thread's answer: its result, or its error in one line. */
type Answer<T> = { readonly res: T } | { readonly error: string };

/** An error in one line: its name and the first line of its message. */
function oneLine(err: unknown): string {
  const e = err as { name?: string; message?: string };
  return `${e.name ?? "Error"}: ${(e.message ?? String(err)).split("\n")[0]}`;
}

/**
 * Runs `work(data)` in a thread of its own, the module at `moduleUrl` (the caller's `import.meta.url`) as its
 * entry: that module calls `threadEntry(entry, work)` at its top level. What the work loads (the AWS SDK, the
 * spreadsheet library) is loaded in the thread's heap and leaves with it, and its CPU is the other core's. From
 * TypeScript sources (the tests), where a thread cannot load the module, `work` runs in this thread instead.
 * `what` names the work in the error of a thread that failed or ended without an answer. `signal`: the answer is
 * no longer wanted (the thread is ended, the promise rejects).
 */
export function inThread<D, T>(moduleUrl: string, entry: string, data: D, work: (data: D) => Promise<T>, what: string, signal?: AbortSignal): Promise<T> {
  const self = fileURLToPath(moduleUrl);
  if (!self.endsWith(".js")) return work(data);
  return new Promise<T>((resolve, reject) => {
    const thread = new Worker(self, { workerData: { [entry]: data } });
    signal?.addEventListener("abort", () => void thread.terminate(), { once: true });
    thread.once("message", (answer: Answer<T>) => {
      if ("res" in answer) resolve(answer.res);
      else reject(new Error(`${what} failed (${answer.error})`));
      void thread.terminate();
    });
    thread.once("error", reject);
    thread.once("exit", (code) => reject(new Error(`${what} ended without an answer (thread exit ${code})`)));
  });
}

/** In the thread `inThread` started for `entry`: runs `work` on its data and answers, in one line if it fails. */
export function threadEntry<D, T>(entry: string, work: (data: D) => Promise<T>): void {
  if (isMainThread || !parentPort || !workerData || typeof workerData !== "object" || !(entry in workerData)) return;
  const port = parentPort;
  // Said as an answer: an unhandled rejection would depend on the process's --unhandled-rejections.
  void work((workerData as Record<string, D>)[entry] as D).then(
    (res) => port.postMessage({ res } satisfies Answer<T>),
    (err: unknown) => port.postMessage({ error: oneLine(err) } satisfies Answer<T>),
  );
}
