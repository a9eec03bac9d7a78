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
function settings(run: RunManifest, config: Config): ReadonlyArray<readonly [flag: string, runs: string, differs: boolean]> {
  const t = run.target;
  return [
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
export function refuseConflicts(run: RunManifest, config: Config, what = `run ${run.runId}`): void {
  for (const [flag, runs, differs] of settings(run, config)) {
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
