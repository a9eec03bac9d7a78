import type { ConnectClient } from "@aws-sdk/client-connect";
import type { CallSlots } from "../CallSlots.js";
import type { ApiName } from "../../connect/readContact.js";
import type { ChangeMemory } from "../../store/changeMemory.js";
import type { RunManifest, RunTarget } from "../../domain/run/manifest.js";
import type { RunStore } from "../../store/RunStore.js";
import type { RateGovernor } from "../../rate/RateGovernor.js";
import type { StartCache } from "../beforeSend.js";
import type { CallResult, SendPolicy } from "../../connect/sendCall.js";
import type { RecorderDeps } from "./Recorder.js";

/** How a chunk's calls are sent: absent where nothing is sent (a dry run plans in the producer). */
export interface SendDeps {
  readonly client: ConnectClient;
  /** The shared governor of an API (the run's operation, or a read): quotas are per API. */
  readonly governorFor: (api: ApiName) => RateGovernor;
  /** A run's own pace, every worker of the run together (a run made with --rate: RunManifest.rate). */
  readonly paceFor?: ((runId: string, rate: number) => RateGovernor) | undefined;
  /** Shared by every chunk of this process: its places (--concurrency), and the lanes its calls wait for their turns in. */
  readonly slots: CallSlots;
  readonly policy: SendPolicy;
  /** Every call's result, for live figures and the report's timeline. */
  readonly onAttempt?: ((runId: string, call: CallResult) => void) | undefined;
  /** `--lookup-start-time`: DescribeContact answers, kept per run and contact by this process. */
  readonly starts?: StartCache | undefined;
}

export interface ChunkContext extends RecorderDeps {
  readonly store: RunStore;
  readonly runFor: (runId: string) => Promise<RunManifest | undefined>;
  /** Fires on shutdown: calls in flight are cancelled and their rows handed back. */
  readonly signal: AbortSignal;
  /** Fires when a graceful stop begins: no new call starts (retries included); rows without an outcome go back. */
  readonly stopNew?: AbortSignal | undefined;
  /** A job's memory of what it last sent to each contact (`onlyChanged`). */
  readonly changesFor?: ((job: string, target: RunTarget) => ChangeMemory) | undefined;
  readonly send?: SendDeps | undefined;
  /**
   * Settle only (a producer ahead of the queue): rows that need no call get their outcome, the rows of each
   * call are left to a worker and told here. Neither sent nor described, whatever the run.
   */
  readonly leave?: ((lines: readonly number[]) => void) | undefined;
  readonly log?: { debug: (obj: object, msg: string) => void; warn: (obj: object, msg: string) => void } | undefined;
  /** How often a chunk looks again for a predecessor line finished by another worker. */
  readonly waitPollMs?: number | undefined;
  /** How long a chunk waits for predecessors once its other rows are done, before it goes back to the queue. */
  readonly waitHoldMs?: number | undefined;
}
