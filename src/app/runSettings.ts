import type { Config } from "../config/loadConfig.js";
import { formatContactAge } from "../config/parseContactAge.js";
import { endpointShown, sameEndpoint, type RunManifest, type RunTarget } from "../domain/run/manifest.js";
import { BackfillError } from "../lib/errors.js";

/** A flag given to a command on a run that says otherwise: exit 2, the run is left as it is. */
export class RunSettingConflict extends BackfillError {
  override readonly name = "RunSettingConflict";
  readonly code = "run-setting-conflict";
  override readonly category = "usage";
}

const day = (ms: number) => new Date(ms).toISOString().replace(/T00:00:00\.000Z$/, "");

/**
 * What a run was made with and each command on it takes from it (retry,
 * rollback, resume, a restarted producer): its target, instance, operation and
 * the settings that change what is sent. Each entry: the flag, what the run
 * holds (as a person reads it), and whether the value given differs.
 */
function settings(run: RunManifest, config: Config, resume: boolean, withRate: boolean): ReadonlyArray<readonly [flag: string, runs: string, differs: boolean]> {
  const t = run.target;
  const list = (xs: readonly string[]) => [...xs].sort().join(",");
  // Going on with the run itself, it keeps how its rows are read, chunked and stopped too (a retry or a
  // rollback is a new run, which takes these from its own command).
  const own: ReadonlyArray<readonly [string, string, boolean]> = resume
    ? [
        ["job-name", run.job?.name ?? "none", config.jobName !== run.job?.name],
        ["delimiter", run.delimiter ?? ",", run.delimiter !== undefined && config.delimiter !== run.delimiter],
        ["chunk-size", String(run.chunkSize), config.chunkSize !== run.chunkSize],
        ["breaker-window", String(run.breakerWindow), config.breakerWindow !== run.breakerWindow],
        ["breaker-ratio", String(run.breakerRatio), config.breakerRatio !== run.breakerRatio],
        ["breaker-auth", String(run.breakerAuth), config.breakerAuth !== run.breakerAuth],
        ["breaker-consecutive", String(run.breakerConsecutive), config.breakerConsecutive !== run.breakerConsecutive],
        ["breaker-ignore", list(run.breakerIgnore) || "none", list(config.breakerIgnore) !== list(run.breakerIgnore)],
      ]
    : [];
  const rate: ReadonlyArray<readonly [string, string, boolean]> = withRate ? [["rate", String(run.rate), run.rate !== undefined && config.rate !== run.rate]] : [];
  return [
    ...own,
    ...rate,
    ["endpoint", endpointShown(t.endpoint), !sameEndpoint(t.endpoint, config.target.endpoint)],
    ["region", t.region ?? "unknown", t.region !== undefined && config.target.region !== t.region],
    ["instance-id", run.defaultInstanceId ?? "none", config.instanceId !== run.defaultInstanceId],
    ["operation", run.operation, config.operation !== run.operation],
    ["min-contact-date", day(run.minContactDate), config.minContactDate !== undefined && config.minContactDate.getTime() !== run.minContactDate],
    ["max-contact-age", formatContactAge(run.maxContactAge), formatContactAge(config.maxContactAge) !== formatContactAge(run.maxContactAge)],
    ["capture-before", String(run.captureBefore === true), config.captureBefore !== (run.captureBefore === true)],
    ["lookup-start-time", String(run.lookupStartTime === true), config.lookupStartTime !== (run.lookupStartTime === true)],
    ["follow-initial", String(run.followInitial === true), config.followInitial !== (run.followInitial === true)],
  ];
}

/**
 * Refuses, in one sentence, a flag the operator gave that disagrees with the run
 * (`what` names the run: "run X", "run X, which retry takes its settings from").
 * A flag that agrees, and anything the shell's environment says, is no conflict:
 * the run's own value is used.
 */
export function refuseConflicts(
  run: RunManifest,
  config: Config,
  what = `run ${run.runId}`,
  opts: { readonly resume?: boolean; readonly rate?: boolean } = {},
): void {
  const resume = opts.resume ?? false;
  for (const [flag, runs, differs] of settings(run, config, resume, opts.rate ?? resume)) {
    if (!config.given.has(flag) || !differs) continue;
    const value = config.given.get(flag);
    // A switch: the run was made with it or without it.
    const holds = typeof value === "boolean" ? `was made ${runs === "true" ? "with" : "without"} it` : `holds ${flag} ${runs}`;
    throw new RunSettingConflict(
      `--${flag}${typeof value === "boolean" ? "" : ` ${String(value)}`} disagrees with ${what}, which ${holds}; leave --${flag} out (the run keeps its own) or make a new run.`,
    );
  }
}

/** The command's config aimed where the run's calls go: its workers and checks use the run's target, never the shell's. */
export function configForRun(config: Config, target: RunTarget): Config {
  return Object.freeze({ ...config, target, endpoint: target.endpoint, region: target.region ?? config.region });
}

/** The command's config at the run's own rate when it was made with one and the command gives none (the hint's `run --run-id`, `work --run-id`). */
export function atRunRate(config: Config, run: Pick<RunManifest, "rate"> | undefined): Config {
  return run?.rate === undefined || config.given.has("rate") ? config : Object.freeze({ ...config, rate: run.rate });
}
