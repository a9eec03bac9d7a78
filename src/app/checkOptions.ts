import type { RunTarget } from "../domain/run/manifest.js";

export interface CheckResult {
  readonly problems: string[];
  /** The Region the AWS SDK resolved (recorded in a new run when the operator gave none). */
  readonly region: string | undefined;
  /** Said when a check was not made (no --instance-id), so a clean result is not read as more than it is. */
  readonly notes: string[];
}

export interface CheckOptions {
  readonly target: RunTarget;
  readonly instanceId: string | undefined;
  /** Ask Connect too (`check`): the instance exists and the caller may read its contacts. Off before a run: a run's calls are its rows'. */
  readonly askConnect: boolean;
  readonly timeoutMs: number;
}
