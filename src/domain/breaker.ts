import type { Outcome } from "./Outcome.js";
import type { RunManifest } from "./run/manifest.js";

/** The circuit breaker's rules for one run; every worker reads them from the manifest. */
export interface BreakerSettings {
  /** Sliding window: the last `window` rows sent... */
  readonly window: number;
  /** ...of which more than this share failed stops the run (once `window` rows were sent). */
  readonly ratio: number;
  /** Rows failed with credential errors that stop the run. */
  readonly auth: number;
  /** Consecutive rows failed without a service answer that stop the run. */
  readonly consecutive: number;
  /** Error codes left out of the breaker's reckoning. */
  readonly ignore: readonly string[];
}

/** The rules when no manifest is at hand (a chunk's rows cancelled, a run gone while its outcomes were in flight). */
const UNKNOWN_RUN: BreakerSettings = { window: 1000, ratio: 0.5, auth: 5, consecutive: 25, ignore: [] };

export function breakerOf(m: RunManifest | undefined): BreakerSettings {
  if (!m) return UNKNOWN_RUN;
  return { window: m.breakerWindow, ratio: m.breakerRatio, auth: m.breakerAuth, consecutive: m.breakerConsecutive, ignore: m.breakerIgnore };
}

export function breakerManifestFields(
  b: BreakerSettings,
): Pick<RunManifest, "breakerWindow" | "breakerRatio" | "breakerAuth" | "breakerConsecutive" | "breakerIgnore"> {
  return { breakerWindow: b.window, breakerRatio: b.ratio, breakerAuth: b.auth, breakerConsecutive: b.consecutive, breakerIgnore: b.ignore };
}

/**
 * How a row's outcome bears on the circuit breaker: 0 not counted (not sent, or
 * a code the run ignores), 1 sent and applied, 2 failed, 3 failed without an
 * answer from the service, 4 failed with a credential error.
 */
export type SendFlag = 0 | 1 | 2 | 3 | 4;

/** An outcome on its way to the outcome log, with how it bears on the breaker. */
export interface RecordedOutcome {
  readonly outcome: Outcome;
  readonly flag: SendFlag;
}
