import { randomBytes } from "node:crypto";
import type { ColumnMapping } from "../input/columnRoles.js";
import type { InputFormat } from "../input/openSource.js";
import type { ChunkJobData } from "../domain/queuedRow.js";
import type { OperationName } from "../operations/Operation.js";
import type { BreakerSettings } from "../domain/breaker.js";
import type { NightGuards } from "../domain/run/nightGuards.js";
import type { MaxContactAge, RunJob, RunManifest, RunTarget } from "../domain/run/manifest.js";

export interface EnqueueOptions {
  readonly path: string;
  readonly format: InputFormat;
  readonly runId?: string | undefined;
  readonly instanceId: string | undefined;
  /** CSV field separator (default ","). */
  readonly delimiter?: string | undefined;
  /** The job the run belongs to: its change memory, history and webhook. */
  readonly job?: RunJob | undefined;
  /** A job's CSV column mapping, kept in the run for the workers. */
  readonly mapping?: ColumnMapping | undefined;
  /** With `job`: its bounds on a night, judged over the input before the run is made (a breach makes it paused). */
  readonly guards?: NightGuards | undefined;
  /** Put a contact's rows into one chunk even without `job.onlyChanged` (a dry run of such a job with `--forget` plans the same chunks). */
  readonly contactsTogether?: boolean | undefined;
  /** With `job`: forget what the job sent before, so every row is sent. */
  readonly forget?: boolean | undefined;
  /** The contact operation of every row (default UpdateContactAttributes). */
  readonly operation?: OperationName | undefined;
  /** Rows of contacts started earlier are `skipped_pre_api`; default: the operation's own date (none for UpdateContact). */
  readonly minContactDate: Date | undefined;
  readonly chunkSize: number;
  readonly parentRunId?: string | undefined;
  readonly breaker: BreakerSettings;
  readonly maxContactAge: MaxContactAge;
  /** Where the run's calls must go (config's target). */
  /** `--rate` as given (see RunManifest.rate); undefined when not given. */
  readonly rate?: number | undefined;
  readonly target: RunTarget;
  /** Dry run, canary, before-images, start-time look-ups: kept in the run for every worker. */
  readonly safety?: RunSafety | undefined;
  /**
   * Takes the chunks instead of the queue (a dry run plans them in this process);
   * called in file order, one batch at a time, before the position is saved.
   */
  readonly deliver?: ((chunks: readonly ChunkJobData[]) => Promise<void>) | undefined;
  /**
   * Settles what needs no call before the chunks are queued (a job that sends only what changed): returns
   * the chunks that still hold rows for a worker, which skips the rows settled here. Not for a dry run
   * (`deliver`) nor a night its guards paused (its chunks are parked whole).
   */
  readonly settleFirst?: SettleFirst | undefined;
  /**
   * Called once the run is created or found and checked, before the first row is queued. `settlesAhead`: a new
   * run whose producer settles what needs no call (settleFirst): workers have nothing to take until `onWork`.
   */
  readonly onReady?: (ready: { readonly settlesAhead: boolean }) => void;
  /**
   * Called when the producer of a new run first adds a chunk to its queue: `run` starts its worker then where the
   * producer settles ahead, so an unchanged night starts none (a chunk parked while it is settled: see runQueued).
   */
  readonly onWork?: () => void;
  /** Called after each queued batch with rows read so far. */
  readonly onProgress?: (read: number) => void;
  /**
   * How far the producer runs ahead of the workers (rows in queued, running and
   * parked chunks, and outcomes not yet moved out of Redis): Redis then holds a
   * window of the file, not the file. Absent or 0: the whole file at once.
   */
  readonly window?: QueueWindow | undefined;
  /** Stops the producer between two batches (its position is saved: the same command goes on). */
  readonly signal?: AbortSignal | undefined;
  /**
   * Called once when the producer starts waiting for room, with why (for the log); not again each time the
   * window fills while that cause lasts (a producer ahead of its workers meets it at every batch).
   */
  readonly onWait?: ((why: string) => void) | undefined;
  /** Called once when that cause is over (room for 10 s, another cause, or the file all queued), with how long it lasted. */
  readonly onWaitOver?: ((why: string, seconds: number) => void) | undefined;
}

export interface EnqueueResult {
  readonly runId: string;
  readonly rows: number;
  readonly invalid: number;
  readonly chunks: number;
  /** The run existed and its file was already fully queued: nothing was added. */
  readonly alreadyQueued: boolean;
  /** The run existed and was partly queued: queueing went on where it stopped. */
  readonly resumed: boolean;
  /** The run was cancelled while the file was read: the rest of the file was not queued. */
  readonly cancelled?: boolean;
  /** The file changed while it was read (an export still being written): what the command should say. */
  readonly inputChanged?: string;
  /** The producer was stopped (`signal`) before the end of the file: the same command with the run id goes on. */
  readonly interrupted?: boolean;
  /** The job's guards paused the night when its run was made: the sentence (numbers, and what to run). */
  readonly paused?: string;
}

export interface QueueWindow {
  /** Rows in chunks not yet done (queued, running, waiting, parked). */
  readonly rows: number;
  /** Outcomes recorded and not yet moved out of Redis to a report writer's spool. */
  readonly outcomes: number;
}

/** What `--dry-run`, `--canary`, `--capture-before`, `--lookup-start-time` and `--follow-initial` ask of a run. */
export interface RunSafety {
  readonly dryRun?: boolean | undefined;
  readonly canary?: number | undefined;
  readonly captureBefore?: boolean | undefined;
  readonly lookupStartTime?: boolean | undefined;
  readonly followInitial?: boolean | undefined;
  readonly rollbackOf?: string | undefined;
}

/** Only what is set goes into the manifest: a plain run carries none of these fields. */
export function safetyFields(s: RunSafety | undefined): Partial<RunManifest> {
  if (!s) return {};
  return {
    ...(s.dryRun ? { dryRun: true } : {}),
    ...(s.canary ? { canary: s.canary } : {}),
    ...(s.captureBefore ? { captureBefore: true } : {}),
    ...(s.lookupStartTime ? { lookupStartTime: true } : {}),
    ...(s.followInitial ? { followInitial: true } : {}),
    ...(s.rollbackOf ? { rollbackOf: s.rollbackOf } : {}),
  };
}

export function newRunId(now = new Date(), job?: string): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "");
  const id = `${stamp}-${randomBytes(3).toString("hex")}`;
  // A job's runs say whose they are (`status`, `history`, the reports folder); run ids are at most 64 characters.
  return job ? `${job.slice(0, 64 - id.length - 1)}-${id}` : id;
}

/** What needs no call, settled by the producer before its chunks are queued (app/settleAhead.ts). */
export interface SettleFirst {
  /** Whether the run's chunks are settled here at all (its manifest says). */
  applies(manifest: RunManifest): boolean;
  /** The chunks that still hold rows for a worker. */
  settle(chunks: readonly ChunkJobData[]): Promise<readonly ChunkJobData[]>;
}
