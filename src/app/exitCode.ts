/** DESIGN.md's contract: cron and CI scripts branch on these. */
export const EXIT = Object.freeze({
  ok: 0,
  couldNotRun: 1,
  usage: 2,
  someRowsFailed: 3,
  /** A canary's rows were sent and the run waits for `resume` (or `cancel`). */
  paused: 4,
});

/** A run's exit code (DESIGN.md): paused after a canary 4, stopped early 1, some rows invalid or failed 3, else 0. */
export function exitCodeOf(res: {
  readonly stopReason: string | undefined;
  readonly paused?: boolean | undefined;
  readonly report: { readonly summaryData: { readonly counts: { readonly invalid: number; readonly failed: number } } };
}): number {
  if (res.paused) return EXIT.paused;
  if (res.stopReason) return EXIT.couldNotRun;
  const c = res.report.summaryData.counts;
  return c.invalid + c.failed > 0 ? EXIT.someRowsFailed : EXIT.ok;
}
