/** The exit code of a process ended by a signal, as a shell reports it (128 + its number). */
const SIGNAL_EXIT: Readonly<Record<string, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/** Set by a second signal: the process's exit code whatever its command returns meanwhile. */
let hardExit: number | undefined;

/** The exit code a second signal set (128 + its number), or undefined. */
export function hardExitCode(): number | undefined {
  return hardExit;
}

/**
 * Two-stage stop: the first SIGINT/SIGTERM/SIGHUP asks for a graceful stop, the second
 * cancels calls in flight and exits at once (rows without an outcome stay queued).
 * SIGHUP is a closed terminal or SSH session: without a handler Node dies on it
 * without a word, leaving the run looking alive; with one it stops like Ctrl-C.
 */
export function stopSignals(): { graceful: AbortSignal; hard: AbortSignal; dispose: () => void } {
  const graceful = new AbortController();
  const hard = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (!graceful.signal.aborted) {
      process.stderr.write(`connect-backfill: ${sig} received, stopping (send it again to stop at once)\n`);
      graceful.abort();
    } else {
      // Set before the abort: a command that returns at once (its calls cut short) must not end the process with 0.
      hardExit = SIGNAL_EXIT[sig] ?? 1;
      process.exitCode = hardExit;
      hard.abort();
      process.stderr.write(`connect-backfill: second ${sig}, exiting now; unfinished rows stay queued\n`);
      setTimeout(() => process.exit(hardExit), 50);
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("SIGHUP", onSignal);
  return {
    graceful: graceful.signal,
    hard: hard.signal,
    dispose: () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      process.off("SIGHUP", onSignal);
    },
  };
}
