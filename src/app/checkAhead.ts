import type { RunTarget } from "../domain/run/manifest.js";
import { checkConnectApart } from "./checkConnectThread.js";
import type { CheckOptions, CheckResult } from "./checkOptions.js";

/**
 * The Connect check of a run started before the command has loaded what it runs with: it loads the AWS SDK
 * (~0.2 s) and resolves credentials in a thread, on the other core, while this thread loads the run's code,
 * opens Redis and looks at the file. Its answer is taken by preflight in the check's own turn (after the
 * flags and the file: the order in which problems are said is unchanged), and only for the target and
 * instance it was started for: a run that exists is aimed where it was made, and is checked there afresh.
 * Why: a run whose rows all settle without a call (a job's unchanged night) then never loads the SDK in
 * this thread at all (its worker is never started, and makes its client only when it needs one).
 * What starts earlier: the SDK's credential chain runs while the file is looked at, so a credential process that
 * asks for a touch or a code asks before a file's problem is said (the problem is still said first, alone).
 * From TypeScript sources (tests, `npm run cli`) the check runs in this thread, at once (lib/threadApart.ts).
 */
export interface CheckAhead {
  readonly opts: CheckOptions;
  /** The check's answer; never rejects unhandled (a command that fails first leaves it unread). */
  readonly result: Promise<CheckResult>;
  /** Ends the thread if it still runs (the command is over). */
  readonly cancel: () => void;
}

export function startCheckAhead(opts: CheckOptions): CheckAhead {
  const stop = new AbortController();
  const result = checkConnectApart(opts, stop.signal);
  result.catch(() => undefined);
  return { opts, result, cancel: () => stop.abort() };
}

/** The answer started ahead, when it was started for exactly these options; else undefined (check afresh). */
export function aheadFor(ahead: CheckAhead | undefined, opts: CheckOptions): Promise<CheckResult> | undefined {
  if (!ahead) return undefined;
  const a = ahead.opts;
  // The instance is only asked about with askConnect (checkConnect.ts); without it, another instance is the same check.
  const same =
    a.askConnect === opts.askConnect && (!a.askConnect || a.instanceId === opts.instanceId) && a.timeoutMs === opts.timeoutMs && sameTarget(a.target, opts.target);
  return same ? ahead.result : undefined;
}

/** Every member of either target alike (whatever order they were written in; one left out is `undefined`). */
function sameTarget(a: RunTarget, b: RunTarget): boolean {
  const x = a as unknown as Record<string, unknown>;
  const y = b as unknown as Record<string, unknown>;
  return [...new Set([...Object.keys(x), ...Object.keys(y)])].every((k) => x[k] === y[k]);
}
