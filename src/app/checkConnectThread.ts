import { fileURLToPath } from "node:url";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { checkConnect, errText } from "./checkConnect.js";
import type { CheckOptions, CheckResult } from "./checkOptions.js";

/** Marks the thread's data, so this module knows it is the thread's entry and not a module imported by the CLI. */
const ENTRY = "connect-backfill:checkConnect";

/**
 * checkConnect in a thread of its own: the AWS SDK (~25 MB of heap, code and sources for the Connect client
 * alone) is loaded in the thread's heap, which is freed when the thread ends with the check. For a command
 * that makes no call itself (`enqueue`): its peak memory is its file's, not the SDK's. The same code checks,
 * with the same environment (credentials, profile, Region). From TypeScript sources (the tests), where a
 * thread cannot load this file, the check runs in this thread instead.
 */
export function checkConnectApart(opts: CheckOptions): Promise<CheckResult> {
  const self = fileURLToPath(import.meta.url);
  if (!self.endsWith(".js")) return checkConnect(opts);
  return new Promise<CheckResult>((resolve, reject) => {
    const thread = new Worker(self, { workerData: { [ENTRY]: opts } });
    thread.once("message", (answer: { res: CheckResult } | { error: string }) => {
      if ("res" in answer) resolve(answer.res);
      else reject(new Error(`the check of the Connect target failed (${answer.error})`));
      void thread.terminate();
    });
    thread.once("error", reject);
    thread.once("exit", (code) => reject(new Error(`the check of the Connect target ended without an answer (thread exit ${code})`)));
  });
}

if (!isMainThread && parentPort && workerData && typeof workerData === "object" && ENTRY in workerData) {
  const port = parentPort;
  // Said as an answer, in one line: an unhandled rejection would depend on the process's --unhandled-rejections.
  void checkConnect((workerData as Record<string, CheckOptions>)[ENTRY] as CheckOptions).then(
    (res) => port.postMessage({ res }),
    (err: unknown) => port.postMessage({ error: errText(err) }),
  );
}
