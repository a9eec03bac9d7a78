import { inThread, threadEntry } from "../lib/threadApart.js";
import { checkConnect } from "./checkConnect.js";
import type { CheckOptions, CheckResult } from "./checkOptions.js";

/** Marks the thread's data, so this module knows it is the thread's entry and not a module imported by the CLI. */
const ENTRY = "connect-backfill:checkConnect";

/**
 * checkConnect in a thread of its own: the AWS SDK (~25 MB of heap, code and sources for the Connect client
 * alone) is loaded in the thread's heap, which is freed when the thread ends with the check. For a command
 * that makes no call itself (`enqueue`): its peak memory is its file's, not the SDK's. For `run`, started
 * ahead (checkAhead.ts): the check runs on the other core while the command loads. The same code checks,
 * with the same environment (credentials, profile, Region). `signal`: the answer is no longer wanted.
 */
export function checkConnectApart(opts: CheckOptions, signal?: AbortSignal): Promise<CheckResult> {
  return inThread(import.meta.url, ENTRY, opts, checkConnect, "the check of the Connect target", signal);
}

threadEntry(ENTRY, checkConnect);
