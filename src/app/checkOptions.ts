import type { Config } from "../config/loadConfig.js";
import type { RunManifest, RunTarget } from "../domain/run/manifest.js";

export interface CheckResult {
  readonly problems: string[];
  /** The Region the AWS SDK resolved (recorded in a new run when the operator gave none). */
  readonly region: string | undefined;
  /** Said when a check was not made (no --instance-id), so a clean result is not read as more than it is. */
  readonly notes: string[];
  /** The endpoint did not answer (its one problem said so): `check --wait` asks again until it does. */
  readonly unanswered?: boolean;
}

export interface CheckOptions {
  readonly target: RunTarget;
  readonly instanceId: string | undefined;
  /** Ask Connect too (`check`): the instance exists and the caller may read its contacts. Off before a run: a run's calls are its rows'. */
  readonly askConnect: boolean;
  readonly timeoutMs: number;
}

/** What preflight checks of the target: a run that exists is checked where it was made (its target and instance). */
export function targetCheckOf(config: Config, existing?: RunManifest): CheckOptions {
  return {
    target: existing?.target ?? config.target,
    instanceId: existing?.defaultInstanceId ?? config.instanceId,
    askConnect: false,
    timeoutMs: config.requestTimeoutMs,
  };
}
