import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { ColumnMapping } from "../../app/inputFormat.js";
import type { LoadedJob } from "../../app/jobConfig.js";
import { exitCodeOf, fatalError, usageError } from "../exitCodes.js";
import { isS3Url } from "../../lib/s3Url.js";
import { flagSpecOf } from "../../config/options.js";
import type { Config } from "../../config/loadConfig.js";
import type { NightGuards } from "../../app/nightGuards.js";
import { formatSummary } from "../formatSummary.js";
import { ProgressLine } from "../ProgressLine.js";
import { logRunEnded, sayRunEnded } from "../runEnded.js";
import { stopSignals } from "../stopSignals.js";
import { withContext, type Command } from "./Command.js";

/** A missing file is said as such, before its name's extension is judged. */
export function requireFile(file: string): void {
  // An S3 object is looked for when it is read (GetObject), with the same sentence for a missing one.
  if (file !== "-" && !isS3Url(file) && !existsSync(file)) throw fatalError(`${resolve(file)}: no such file.`);
}

/**
 * The file a command reads: its argument, or a job file's input (a second
 * argument overrides it, such as a job run's failures.csv fed back as the job).
 */
export function inputOf(positionals: readonly string[], job: LoadedJob | undefined): string {
  if (!job) {
    if (positionals.length > 1) throw usageError(`only a job file (.json) takes a second argument, the file to read instead of its input`);
    return positionals[0] as string;
  }
  // A night whose export is not there is a missing file (exit 1), as for any input file.
  if (job.inputMissing && positionals[1] === undefined) throw fatalError(job.inputMissing);
  if (job.inputNote && positionals[1] === undefined) process.stderr.write(`connect-backfill: ${job.inputNote}\n`);
  return positionals[1] ?? job.inputPath;
}

export const run: Command = {
  usage:
    "connect-backfill run <file | job.json [file]> [--instance-id ID] [--rate N] [--concurrency N] [--reports-dir DIR] [--run-id ID] ...\n  A job file (jobs/<name>.json) gives its settings under the command line's; a second file replaces its input.",
  flags: flagSpecOf("run"),
  positionals: [1, 2],
  takesJobFile: true,
  async run({ config, positionals, flags, job }) {
    const file = inputOf(positionals, job);
    // The readers (csv-parse) load with the command that reads, not with every command line.
    const { inputFormat, jobMapping } = await import("../../app/inputFormat.js");
    const mapping = jobMapping(job);
    requireFile(file);
    const format = inputFormat(file, config); // a bad extension is reported before Redis is touched
    // Commands load what they use: the AWS SDK alone is tens of MB that enqueue does not need.
    // A night is the job's own export: a file given in its place (failures fed back) is not judged.
    const guards = positionals[1] === undefined ? job?.job.guards : undefined;
    if (config.dryRun) return dryRunCommand(config, file, mapping, Boolean(flags.quiet), job && positionals[1] === undefined ? (guards ?? {}) : undefined);
    // The target's check starts now, in a thread, while the run's code loads (checkAhead.ts): the SDK is loaded there.
    const [{ startCheckAhead }, { targetCheckOf }] = await Promise.all([import("../../app/checkAhead.js"), import("../../app/checkOptions.js")]);
    const ahead = startCheckAhead(targetCheckOf(config));
    try {
      const { runFile } = await import("../../app/runFile.js");
      const { preflight } = await import("../../app/preflight.js");
      return await withContext(config, "long-lived", async (opened) => {
        const ctx = await preflight(opened, { file, format, mapping }, { ahead });
        const stop = stopSignals();
        const progress = new ProgressLine();
        try {
          const res = await runFile(ctx, file, { signal: stop.graceful, mapping, guards, ...(flags.quiet ? {} : { onProgress: (p) => progress.update(p) }) });
          progress.finish();
          logRunEnded(ctx.log, res);
          sayRunEnded(res, { quiet: Boolean(flags.quiet), file });
          return exitCodeOf(res);
        } finally {
          stop.dispose();
        }
      });
    } finally {
      // Answered, or no longer wanted (Redis refused, a flag did): its thread does not outlive the command.
      ahead.cancel();
    }
  },
};

/**
 * `run --dry-run` and `enqueue --dry-run`: the file checked and planned here, its reports written, nothing sent or queued.
 * `guards`: a job's own export is judged as its real run would judge it (`{}` for a job without guards: its figures only).
 */
export async function dryRunCommand(
  config: Config,
  file: string,
  mapping: ColumnMapping | undefined,
  quiet: boolean,
  guards: NightGuards | undefined,
): Promise<number> {
  const { dryRunFile } = await import("../../app/dryRun.js");
  return withContext(config, "command", async (ctx) => {
    const stop = stopSignals();
    try {
      const res = await dryRunFile(ctx, file, { mapping, guards, signal: stop.graceful });
      logRunEnded(ctx.log, res);
      if (!quiet) process.stdout.write(`${formatSummary(res.report.summaryData, res.report)}\n`);
      return exitCodeOf(res);
    } finally {
      stop.dispose();
    }
  });
}
