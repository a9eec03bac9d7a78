import type { ConnectClient } from "@aws-sdk/client-connect";
import type { Redis } from "ioredis";
import type { CallResult, SendPolicy } from "../connect/sendCall.js";
import type { RunTarget } from "../domain/run/manifest.js";
import type { Logger } from "../log/createLogger.js";
import type { Outcome } from "../domain/Outcome.js";
import type { Keys } from "../store/keys.js";
import type { readConnectQuotas } from "../connect/serviceQuotas.js";

export interface BackfillWorkerOptions {
  /** A long-lived connection (`maxRetriesPerRequest: null`). */
  readonly redis: Redis;
  readonly keys: Keys;
  readonly log: Logger;
  /** Requests/s across all workers: the governor's ceiling. */
  readonly rate: number;
  /**
   * `--rate` was given (flag, variable or job key): it wins. Absent or false: the account's applied quota
   * is read from Service Quotas and is the ceiling, `rate` only when there is no answer. Default true.
   */
  readonly rateGiven?: boolean;
  /** Where Service Quotas answers (AWS_ENDPOINT_URL_SERVICE_QUOTAS); for a custom Connect endpoint it is asked only then. */
  readonly quotasEndpoint?: string | undefined;
  /** Share of the rate found safe left to the account's other callers (`--headroom`); default 0. */
  readonly headroom?: number;
  /** API calls in flight in this process. */
  readonly concurrency: number;
  readonly chunkSize: number;
  readonly policy: SendPolicy;
  readonly requestTimeoutMs: number;
  readonly endpoint?: string | undefined;
  readonly region?: string | undefined;
  /**
   * The endpoint and Region are a run's: the AWS SDK's own variables (AWS_ENDPOINT_URL...)
   * are not read, so a shell aimed elsewhere cannot send the run's calls there.
   */
  readonly pinned?: boolean;
  /** Where this worker's calls go: runs queued for another target are left alone. */
  readonly target: RunTarget;
  /** Only these runs (`run`: its own; `work --run-id`). Absent: every run on the prefix. */
  readonly runs?: readonly string[] | undefined;
  /** How often the runs index is read for new runs. */
  readonly discoverMs?: number;
  /** Given by tests and benchmarks; made from the options otherwise. */
  readonly client?: ConnectClient;
  /** Given by tests; Service Quotas through the SDK otherwise. */
  readonly readQuotas?: typeof readConnectQuotas;
  /** BullMQ lock: a killed worker's chunk is picked up by another within about twice this. */
  readonly lockDurationMs?: number;
}

/**
 * What a worker tells whoever listens (the report's progress, live figures,
 * the coming metrics), instead of callbacks threaded through every layer.
 */
export interface WorkerEvents {
  /** An outcome is durable in Redis. */
  outcome: [runId: string, outcome: Outcome];
  /** A call ended: its operation, how (ok, throttled, transient, permanent) and how long it took. */
  attempt: [runId: string, call: CallResult];
  /** A chunk is done (every row has an outcome): its rows by status and how long it took. */
  chunk: [runId: string, summary: { readonly chunk: string; readonly rows: number; readonly counts: Readonly<Record<string, number>>; readonly ms: number }];
}
