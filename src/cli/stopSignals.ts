/**
 * Two-stage stop: the first SIGINT/SIGTERM asks for a graceful stop, the second
 * cancels calls in flight and exits at once (rows without an outcome stay queued).
 */
export function stopSignals(): { graceful: AbortSignal; hard: AbortSignal; dispose: () => void } {
  const graceful = new AbortController();
  const hard = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (!graceful.signal.aborted) {
      process.stderr.write(`connect-backfill: ${sig} received, stopping (send it again to stop at once)\n`);
      graceful.abort();
    } else {
      hard.abort();
      process.stderr.write(`connect-backfill: second ${sig}, exiting now; unfinished rows stay queued\n`);
      setTimeout(() => process.exit(sig === "SIGINT" ? 130 : 143), 50);
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    graceful: graceful.signal,
    hard: hard.signal,
    dispose: () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
