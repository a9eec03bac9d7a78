import type { ColumnPlan } from "../originalOf.js";
import type { ColumnMapping, SourceShape } from "./shape.js";
import type { OperationName } from "../../operations/Operation.js";
import type { NightReading } from "./nightGuards.js";

/**
 * The layout of the manifest this release writes. 2: the run's outcome stream may hold groups of alike
 * outcomes (store/outcomeGroups.ts), which a release that reads only 1 would misread: it refuses such runs.
 */
export const MANIFEST_VERSION = 2;

/** The layouts this release reads: a run queued by the release before is still worked and reported. */
export const READABLE_MANIFEST_VERSIONS: readonly number[] = [1, MANIFEST_VERSION];

/** Whether a run's outcomes may travel in groups: only where every release that reads the run knows them. */
export function groupsOutcomes(m: Pick<RunManifest, "version"> | undefined): boolean {
  return m !== undefined && m.version >= 2;
}

/** Contacts older than this are skipped; null: no limit. Mirrors config's ContactAge. */
export type MaxContactAge = { readonly unit: "months" | "days"; readonly n: number } | null;

/** A run that belongs to a job (a job file, or `--job-name`): its change memory, history and notification are the job's. */
export interface RunJob {
  readonly name: string;
  /** Rows equal to what the job last sent for their contact are `unchanged`, not sent. */
  readonly onlyChanged: boolean;
  /** A webhook told when the run ends. */
  readonly notify?: string | undefined;
}

/**
 * The Connect endpoint and Region a run was queued for, as far as the operator
 * gave them (flags or the standard AWS variables); undefined means the AWS
 * default for the endpoint, unknown for the Region.
 */
export interface RunTarget {
  readonly endpoint: string | undefined;
  readonly region: string | undefined;
}

/** What every worker must know about a run to process its rows the same way. */
export interface RunManifest {
  readonly version: 1 | typeof MANIFEST_VERSION;
  /** Set for a job's runs. */
  readonly job?: RunJob;
  /** A job's CSV column mapping: workers read the rows again with it. */
  readonly mapping?: ColumnMapping;
  /** A CSV run's columns: where a queued row's cells go, to give a failed row back as the file had it. */
  readonly columns?: ColumnPlan;
  /** The contact operation every row of the run applies. */
  readonly operation: OperationName;
  readonly runId: string;
  readonly input: string;
  readonly shape: SourceShape;
  /** A CSV run's field separator (absent in runs of releases before it was kept: the command's own is used). */
  readonly delimiter?: string;
  readonly defaultInstanceId: string | undefined;
  readonly minContactDate: number;
  readonly chunkSize: number;
  readonly createdAt: number;
  readonly parentRunId: string | undefined;
  readonly breakerWindow: number;
  readonly breakerRatio: number;
  readonly breakerAuth: number;
  readonly breakerConsecutive: number;
  readonly breakerIgnore: readonly string[];
  readonly maxContactAge: MaxContactAge;
  /** A contact's rows all go into one chunk (only-changed jobs: see queue/ContactsTogether.ts). */
  readonly contactsTogether?: true;
  /** fileFingerprint of the input when queued (absent for standard input): a reused run id on a changed file is refused. */
  readonly fingerprint?: string;
  /** The run's own BullMQ queue. */
  readonly queue: string;
  /** Where the run's calls must go; workers aimed elsewhere leave it alone. */
  readonly target: RunTarget;
  /**
   * `--rate` given when the run was made (flag, variable or job key): its calls per second, every worker together,
   * whatever rate a worker that takes its chunks runs at. Absent: the workers' own rate (the account's quota).
   */
  readonly rate?: number;
  /** `--dry-run`: rows are checked and planned in the producer, never queued, never sent. */
  readonly dryRun?: boolean;
  /** `--canary N`: the run pauses once N rows that need a call were sent (until `resume`). */
  readonly canary?: number;
  /** `--capture-before`: each call reads the contact's attributes first and keeps them with the outcome. */
  readonly captureBefore?: boolean;
  /** `--lookup-start-time`: rows without initiationTimestamp get the contact's start from DescribeContact. */
  readonly lookupStartTime?: boolean;
  /** `--follow-initial`: a row naming a later leg of a contact is sent to the chain's initial contact. */
  readonly followInitial?: boolean;
  /** Set on the runs `rollback` makes: the run whose writes they undo. */
  readonly rollbackOf?: string;
  /**
   * A job's night as judged against its `guards` when the run was made (never again: a run is judged once).
   * With a `breach` the run was made paused: nothing is sent until `resume`.
   */
  readonly night?: NightReading;
}

/** Never print a secret that an endpoint URL might carry. */
function withoutUserinfo(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.toString();
  } catch {
    return url;
  }
}

/** An endpoint as said to a person (never its userinfo) and compared. */
export const endpointShown = (e: string | undefined) => (e ? withoutUserinfo(e).replace(/\/+$/, "").toLowerCase() : "the AWS default endpoint");

/** Two endpoints as a run compares them (no trailing slash, any case; undefined is the AWS default). */
export function sameEndpoint(a: string | undefined, b: string | undefined): boolean {
  return endpointShown(a) === endpointShown(b);
}

/**
 * The name of the change memory a job's runs share on a target: the job's own for the AWS default endpoint (as
 * before targets were told apart), the job's and the endpoint's for any other. What a job sent through one
 * endpoint (a simulator, an emulator) says nothing of what the contacts behind another hold: a night aimed
 * at a new endpoint compared against the old one's memory judged every row unchanged and sent nothing.
 * (An instance is in one Region: its id names it there, so the Region needs no part here.)
 */
export function changeMemoryName(job: string, target: RunTarget): string {
  return target.endpoint === undefined ? job : `${job}@${endpointShown(target.endpoint)}`;
}

/** Why a worker aimed at `mine` must not work a run queued for `theirs`, or undefined when it may. */
export function targetMismatch(theirs: RunTarget, mine: RunTarget): string | undefined {
  if (endpointShown(theirs.endpoint) !== endpointShown(mine.endpoint))
    return `it was queued for ${endpointShown(theirs.endpoint)}, this worker calls ${endpointShown(mine.endpoint)}`;
  if (theirs.region && mine.region && theirs.region !== mine.region) return `it was queued for Region ${theirs.region}, this worker calls ${mine.region}`;
  return undefined;
}

/**
 * Why run `existing` cannot be the `kind` of run `parentId` a command was given its id for (a retry or rollback
 * going on after a crash is; any other run would be taken over), or undefined when it is.
 */
export function notChildOf(existing: RunManifest, parentId: string, kind: "retry" | "rollback"): string | undefined {
  const ours = kind === "rollback" ? existing.rollbackOf === parentId : existing.parentRunId === parentId && existing.rollbackOf === undefined;
  return ours ? undefined : `run ${existing.runId} already exists and is not a ${kind} of run ${parentId}; give the ${kind} its own --run-id (or none).`;
}
