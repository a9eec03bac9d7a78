import type { OutcomeStatus } from "../Outcome.js";
import type { RunManifest } from "./manifest.js";

/** `paused`: a canary's rows were sent; like `stopped`, unsent rows wait for `resume`. */
export type RunState = "enqueuing" | "queued" | "stopped" | "paused" | "cancelled";

/** States in which workers park a run's chunks instead of sending (both end with `resume`). */
export const HELD_STATES: readonly RunState[] = ["stopped", "paused"];

export function isHeld(state: string): boolean {
  return (HELD_STATES as readonly string[]).includes(state);
}

/** Where a run stands: its manifest, state and counters as one reading. */
export interface RunProgress {
  /** Cancelled before its file was read to the end: the rows read by then (the rest of the file has no outcome). */
  readonly cutShort?: number | undefined;
  readonly manifest: RunManifest;
  readonly state: RunState;
  readonly stopReason: string | undefined;
  readonly producerDone: boolean;
  /** Rows read from the file so far (all of them once the producer is done). */
  readonly read: number;
  readonly chunks: number;
  readonly counts: Record<OutcomeStatus, number>;
  readonly done: number;
  readonly pending: number;
  readonly errorCodes: Record<string, number>;
  readonly requests: number;
  readonly throttled: number;
  /** A dry run's calls: what it would have sent. */
  readonly planned: number;
  /** `--canary`: rows that need a call still allowed before the run pauses (undefined: no canary, or resumed). */
  readonly canaryLeft: number | undefined;
  readonly startedAt: number | undefined;
  /** Lines of the file that hold no row (every cell empty): not rows, no outcome. */
  readonly blankLines: number;
  /** When the producer last said it was alive (epoch ms): it saves its position, or waits for room in its window. */
  readonly producerAt: number | undefined;
  /** When a producer last stopped on purpose (pause, Ctrl-C); it runs again once producerAt is later. */
  readonly producerStoppedAt?: number | undefined;
  /** When the latest outcome was recorded (epoch ms). */
  readonly lastAt: number | undefined;
  /** When a worker last took one of its chunks (epoch ms). */
  readonly workerAt?: number | undefined;
  /** Bytes of the file the producer has read, and the file's size (not for standard input). */
  readonly bytesRead?: number | undefined;
  readonly bytesTotal?: number | undefined;
  readonly complete: boolean;
}

/**
 * The rows a run will hold: all of them once its file is read; while it is read, the rows read so far scaled
 * by the share of the file's bytes read (rows of a file are about the same size: a fair guess, where the rows
 * queued so far would cover only the window ahead of the workers). Undefined when nothing tells.
 */
export function expectedRows(p: Pick<RunProgress, "producerDone" | "read" | "bytesRead" | "bytesTotal" | "cutShort">): number | undefined {
  if (p.producerDone) return p.read;
  if (p.cutShort !== undefined) return p.cutShort;
  if (!p.bytesRead || !p.bytesTotal || p.read === 0) return undefined;
  const share = Math.min(1, p.bytesRead / p.bytesTotal);
  return Math.max(p.read, Math.round(p.read / share));
}
