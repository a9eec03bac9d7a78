import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Config } from "../../config/loadConfig.js";
import type { RunSummary } from "../../report/RunSummary.js";
import { formatOf } from "../../input/openSource.js";
import { validateRunId } from "../../config/loadConfig.js";
import { EXIT, fatalError, usageError } from "../exitCodes.js";
import { formatSummary } from "../formatSummary.js";
import { openContext } from "../openContext.js";
import { ProgressLine } from "../ProgressLine.js";
import { ENQUEUE_FLAGS, REDIS_FLAGS, WORK_FLAGS, type FlagSpec } from "../parseArgs.js";
import { SIMULATE_FLAGS } from "./simulateFlags.js";
import { breakerSettings, enqueueOptions } from "./enqueueOptions.js";

/** The line cron mail and log collectors keep: one JSON record of how the run ended (stderr, level info). */
function logFinal(ctx: { log: { info: (obj: object, msg: string) => void } }, res: { runId: string; exitCode: number; stopReason: string | undefined; report: { summaryData: RunSummary; dir: string } }): void {
  const s = res.report.summaryData;
  ctx.log.info(
    { runId: res.runId, exitCode: res.exitCode, stopReason: res.stopReason, rows: s.rows, counts: s.counts, errorCodes: s.errorCodes, requests: s.requests, throttled: s.throttled, durationMs: s.durationMs, reports: res.report.dir },
    "run ended",
  );
}

/** A missing file is said as such, before its name's extension is judged. */
function requireFile(file: string): void {
  if (file !== "-" && !existsSync(file)) throw fatalError(`${resolve(file)}: no such file.`);
}

export interface CommandInput {
  readonly config: Config;
  readonly positionals: string[];
  readonly flags: Record<string, string | number | boolean>;
}

export interface Command {
  readonly usage: string;
  /** `--run-id` takes a comma-separated list (work): several runs, not one to create. */
  readonly runIdList?: boolean;
  readonly flags: FlagSpec;
  /** [min, max] positional arguments. */
  readonly positionals: readonly [number, number];
  run(input: CommandInput): Promise<number>;
}

/**
 * Two-stage stop: the first SIGINT/SIGTERM asks for a graceful stop, the second
 * cancels calls in flight and exits at once (rows without an outcome stay queued).
 */
function stopSignals(): { graceful: AbortSignal; hard: AbortSignal; dispose: () => void } {
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

const run: Command = {
  usage: "connect-backfill run <file> [--instance-id ID] [--rate N] [--concurrency N] [--reports-dir DIR] [--run-id ID] ...",
  flags: { ...ENQUEUE_FLAGS, ...WORK_FLAGS, quiet: "boolean" },
  positionals: [1, 1],
  async run({ config, positionals, flags }) {
    const file = positionals[0] as string;
    requireFile(file);
    formatOf(file, config.format); // a bad extension is reported before Redis is touched
    // Commands load what they use: the AWS SDK alone is tens of MB that enqueue does not need.
    const { runFile } = await import("./runFile.js");
    const ctx = await openContext(config, "long-lived");
    const stop = stopSignals();
    const progress = new ProgressLine();
    try {
      const res = await runFile(ctx, file, { signal: stop.graceful, ...(flags.quiet ? {} : { onProgress: (p) => progress.update(p) }) });
      progress.finish();
      logFinal(ctx, res);
      if (!flags.quiet) process.stdout.write(`${formatSummary(res.report.summaryData, res.report.dir)}\n`);
      const queued = res.report.summaryData.rows - Object.values(res.report.summaryData.counts).reduce((a, b) => a + b, 0);
      if (res.stopReason === "interrupted") {
        process.stderr.write(
          file === "-"
            ? `connect-backfill: run ${res.runId} interrupted; ${queued} rows are still queued: go on with "connect-backfill work --run-id ${res.runId}" (standard input cannot be read again), or drop them with "connect-backfill cancel ${res.runId}".\n`
            : `connect-backfill: run ${res.runId} interrupted; ${queued} rows are still queued: go on with "connect-backfill run ${file} --run-id ${res.runId}" (or "connect-backfill work --run-id ${res.runId}"), or drop them with "connect-backfill cancel ${res.runId}".\n`,
        );
      } else if (res.stopReason === "cancelled") {
        process.stderr.write(`connect-backfill: run ${res.runId} was cancelled; rows not sent are cancelled.\n`);
      } else if (res.stopReason) {
        process.stderr.write(
          `connect-backfill: run ${res.runId} stopped (${res.stopReason}); ${queued} rows are still queued: resume with "connect-backfill resume ${res.runId}" then "connect-backfill work --run-id ${res.runId}", or drop them with "connect-backfill cancel ${res.runId}".\n`,
        );
      }
      return res.exitCode;
    } finally {
      stop.dispose();
      await ctx.close();
    }
  },
};

const enqueue: Command = {
  usage: "connect-backfill enqueue <file> [--run-id ID] [--instance-id ID] [--format csv|jsonl] [--chunk-size N]\n  Prints the run id on stdout.",
  flags: ENQUEUE_FLAGS,
  positionals: [1, 1],
  async run({ config, positionals }) {
    const file = positionals[0] as string;
    requireFile(file);
    const format = formatOf(file, config.format);
    const { enqueueFile } = await import("../../queue/enqueueFile.js");
    const ctx = await openContext(config, "command");
    try {
      const res = await enqueueFile(ctx.store, ctx.queues, enqueueOptions(config, file, format));
      const what = res.alreadyQueued ? "already queued, nothing added" : `${res.rows} rows read, ${res.invalid} invalid, ${res.chunks} chunks queued${res.resumed ? " (resumed)" : ""}`;
      process.stderr.write(`connect-backfill: run ${res.runId}: ${what}\n`);
      if (res.inputChanged) process.stderr.write(`connect-backfill: warning: ${res.inputChanged}.\n`);
      process.stdout.write(`${res.runId}\n`);
      return EXIT.ok;
    } finally {
      await ctx.close();
    }
  },
};

const work: Command = {
  usage:
    "connect-backfill work [--run-id ID[,ID]] [--rate N] [--concurrency N] [--exit-when-idle]\n  Processes queued runs (every run on the prefix, or those of --run-id) until SIGTERM/SIGINT.\n  A run queued for another endpoint or Region than this worker's is left alone (said once in the log).",
  flags: { ...WORK_FLAGS, "exit-when-idle": "boolean", "run-id": "string" },
  runIdList: true,
  positionals: [0, 0],
  async run({ config }) {
    const { workQueue } = await import("./workQueue.js");
    const ctx = await openContext(config, "long-lived");
    const stop = stopSignals();
    try {
      await workQueue(ctx, { signal: stop.graceful, hardSignal: stop.hard });
      return EXIT.ok;
    } finally {
      stop.dispose();
      await ctx.close();
    }
  },
};

const status: Command = {
  usage: "connect-backfill status [runId] [--json] [--limit N]\n  Without a run id, lists the known runs, newest first (all of them, or the newest --limit).",
  flags: { ...REDIS_FLAGS, json: "boolean", limit: "number" },
  positionals: [0, 1],
  async run({ config, positionals, flags }) {
    const { formatStatus, runStatus } = await import("./status.js");
    const ctx = await openContext(config, "command");
    try {
      const one = positionals[0] !== undefined ? validateRunId(positionals[0], "the run id") : undefined;
      const limit = typeof flags.limit === "number" && flags.limit > 0 ? flags.limit : Number.MAX_SAFE_INTEGER;
      const ids = one ? [one] : await ctx.store.list(limit);
      const all = [];
      for (const id of ids) {
        // An index entry whose run record is gone (deleted by hand, a lost Redis) must not hide every other run.
        const s = await runStatus(ctx, id).catch((err: unknown) => {
          if (one) throw err;
          process.stderr.write(`connect-backfill: run ${id} is listed but its record is gone from Redis; "connect-backfill prune" drops the entry\n`);
          return undefined;
        });
        if (s) all.push(s);
      }
      if (flags.json) {
        const out = all;
        process.stdout.write(`${JSON.stringify(positionals[0] ? out[0] : out, null, 2)}\n`);
      } else if (all.length === 0) process.stdout.write("no runs on this Redis\n");
      else process.stdout.write(`${all.map(formatStatus).join("\n")}\n`);
      return EXIT.ok;
    } finally {
      await ctx.close();
    }
  },
};

const report: Command = {
  usage:
    "connect-backfill report <runId> [--reports-dir DIR] [--follow]\n  (Re)writes outcomes.csv, failures.csv and summary.json of a run. --follow moves outcomes out of Redis\n  as workers produce them and writes the files when the run is finished (run it on the host that keeps the reports).",
  flags: { ...REDIS_FLAGS, "reports-dir": "string", quiet: "boolean", follow: "boolean" },
  positionals: [1, 1],
  async run({ config, positionals, flags }) {
    const { followOutcomes, writeRunReport } = await import("./report.js");
    const runId = validateRunId(positionals[0] as string, "the run id");
    // A follower lives as long as the run: it waits out a Redis restart like a worker, instead of dying in 1.2 s.
    const ctx = await openContext(config, flags.follow ? "long-lived" : "command");
    const stop = stopSignals();
    try {
      if (flags.follow) {
        const { runLostMessage } = await import("../../queue/redisTrouble.js");
        let seen = false;
        await followOutcomes(ctx.store, config, runId, async (drain) => {
          for (;;) {
            const p = await ctx.store.progress(runId);
            if (!p && seen) throw fatalError(`${runLostMessage(runId)}; the outcomes moved out before are in ${config.reportsDir}/${runId}/.outcomes.spool.`);
            if (!p) throw fatalError(`No run "${runId}" on this Redis (prefix ${config.prefix}).`);
            seen = true;
            await drain();
            if (p.complete || p.state === "stopped" || stop.graceful.aborted) return;
            await new Promise((r) => setTimeout(r, 1000));
          }
        });
      }
      const res = await writeRunReport(ctx.store, config, runId);
      if (!flags.quiet) process.stdout.write(`${formatSummary(res.summaryData, res.dir)}\n`);
      const s = res.summaryData;
      return s.counts.invalid + s.counts.failed > 0 ? EXIT.someRowsFailed : EXIT.ok;
    } finally {
      stop.dispose();
      await ctx.close();
    }
  },
};

const retry: Command = {
  usage:
    "connect-backfill retry <runId> [--include-permanent] [--run-id ID] [--rate N] ...\n  A new run of the rows of <runId> that failed for a retryable cause (transient errors, the throttling cap),\n  worked and reported like `run`; --include-permanent takes every failed row.",
  flags: { ...ENQUEUE_FLAGS, ...WORK_FLAGS, quiet: "boolean", "include-permanent": "boolean" },
  positionals: [1, 1],
  async run({ config, positionals, flags }) {
    const parentId = validateRunId(positionals[0] as string, "the run id");
    const { runQueued } = await import("./runFile.js");
    const { followOutcomes, openRunSpool } = await import("./report.js");
    const { enqueueRetry } = await import("../../queue/enqueueRetry.js");
    const ctx = await openContext(config, "long-lived");
    const stop = stopSignals();
    const progress = new ProgressLine();
    try {
      const parent = await ctx.store.manifest(parentId);
      if (!parent) throw fatalError(`No run "${parentId}" on this Redis (prefix ${config.prefix}); "connect-backfill status" lists the known runs.`);
      await followOutcomes(ctx.store, config, parentId, (drain) => drain());
      const spool = await openRunSpool(ctx.store, config, parentId);
      try {
        const { outcomes } = spool.inLineOrder();
        const includePermanent = Boolean(flags["include-permanent"]);
        let n = 0;
        for (const o of outcomes()) if (o.status === "failed" && (o.retryable || includePermanent)) n++;
        if (n === 0) {
          process.stdout.write(`run ${parentId}: no ${includePermanent ? "" : "retryable "}failed rows; nothing to retry\n`);
          return EXIT.ok;
        }
        const { newRunId } = await import("../../queue/enqueueFile.js");
        const runId = config.runId ?? newRunId();
        const res = await runQueued(
          ctx,
          runId,
          (onReady) =>
            enqueueRetry(ctx.store, ctx.queues, {
              onReady,
              parent,
              outcomes: outcomes(),
              includePermanent,
              runId,
              target: config.target,
              chunkSize: config.chunkSize,
              breaker: breakerSettings(config),
              maxContactAge: config.maxContactAge,
            }),
          { signal: stop.graceful, ...(flags.quiet ? {} : { onProgress: (p) => progress.update(p) }) },
        );
        progress.finish();
        logFinal(ctx, res);
        if (!flags.quiet) process.stdout.write(`${formatSummary(res.report.summaryData, res.report.dir)}\n`);
        return res.exitCode;
      } finally {
        spool.close();
      }
    } finally {
      stop.dispose();
      await ctx.close();
    }
  },
};

const resume: Command = {
  usage:
    "connect-backfill resume <runId>\n  Clears a stopped run (circuit breaker) and queues its parked rows again, and the chunks that failed\n  outright (for example while Redis was full), whose rows would otherwise stay pending.",
  flags: REDIS_FLAGS,
  positionals: [1, 1],
  async run({ config, positionals }) {
    const runId = validateRunId(positionals[0] as string, "the run id");
    const ctx = await openContext(config, "command");
    try {
      if (!(await ctx.store.manifest(runId))) throw fatalError(`No run "${runId}" on this Redis.`);
      if ((await ctx.store.state(runId)).state === "cancelled") throw fatalError(`run ${runId} was cancelled; it cannot be resumed (queue the file again under a new --run-id).`);
      const { requeueRun } = await import("../../queue/requeueRun.js");
      const n = await requeueRun(ctx.store, ctx.queues, runId);
      const failed = n.failed > 0 ? ` and ${n.failed} chunks that had failed` : "";
      process.stderr.write(`connect-backfill: run ${runId} resumed; ${n.parked} parked chunks${failed} queued again\n`);
      return EXIT.ok;
    } finally {
      await ctx.close();
    }
  },
};

const cancel: Command = {
  usage:
    "connect-backfill cancel <runId> [--wait MS] [--reports-dir DIR]\n  Stops a run everywhere: rows not yet sent get the status cancelled (calls in flight finish), then the\n  reports are written. --wait: how long to wait for chunks that workers hold (default 30000).",
  flags: { ...REDIS_FLAGS, "reports-dir": "string", wait: "number", quiet: "boolean" },
  positionals: [1, 1],
  async run({ config, positionals, flags }) {
    const runId = validateRunId(positionals[0] as string, "the run id");
    const { cancelRun } = await import("./cancelRun.js");
    const ctx = await openContext(config, "command");
    try {
      const res = await cancelRun(ctx, runId, typeof flags.wait === "number" ? flags.wait : 30_000);
      if (res.alreadyFinished) process.stderr.write(`connect-backfill: run ${runId} was already finished; nothing to cancel\n`);
      else {
        const left = res.inWorkers > 0 ? `; ${res.inWorkers} rows are still in chunks that workers hold: they become cancelled when those workers finish their calls in flight (then "connect-backfill report ${runId}")` : "";
        process.stderr.write(`connect-backfill: run ${runId} cancelled: ${res.settled} queued rows cancelled${left}\n`);
      }
      if (res.report && !flags.quiet) process.stdout.write(`${formatSummary(res.report.summaryData, res.report.dir)}\n`);
      return EXIT.ok;
    } finally {
      await ctx.close();
    }
  },
};

const prune: Command = {
  usage:
    "connect-backfill prune [--older-than 30d] [--run-id ID]\n  Removes finished and cancelled runs' data from Redis (report files stay): runs created more than\n  --older-than ago (30d, 12h, 90m; default 30d), or the one run of --run-id, whatever its age.",
  flags: { ...REDIS_FLAGS, "older-than": "string", "run-id": "string" },
  positionals: [0, 0],
  async run({ config, flags }) {
    const { parseAge, pruneRuns } = await import("./pruneRuns.js");
    const olderThan = typeof flags["older-than"] === "string" ? flags["older-than"] : "30d";
    const olderThanMs = parseAge(olderThan);
    if (olderThanMs === undefined) throw usageError(`prune: --older-than must be days, hours or minutes such as 30d, 12h or 90m, got "${olderThan}"`);
    const ctx = await openContext(config, "command");
    try {
      const res = await pruneRuns(ctx, { runId: config.runId, olderThanMs });
      process.stdout.write(`pruned ${res.pruned.length} run${res.pruned.length === 1 ? "" : "s"}${res.pruned.length > 0 ? `: ${res.pruned.join(", ")}` : ""}\n`);
      for (const k of res.kept) process.stderr.write(`connect-backfill: kept run ${k.runId}: ${k.why}\n`);
      return res.kept.length > 0 && config.runId ? EXIT.couldNotRun : EXIT.ok;
    } finally {
      await ctx.close();
    }
  },
};

const simulate: Command = {
  usage: "connect-backfill simulate [--port N] [--rate N] [--burst N] [--latency MS] [--auto-create] [--contacts FILE.json]",
  flags: SIMULATE_FLAGS,
  positionals: [0, 0],
  run: async (input) => (await import("./simulate.js")).simulateCommand(input),
};

export const commands: Record<string, Command> = { run, enqueue, work, status, report, retry, resume, cancel, prune, simulate };

export const HELP = `connect-backfill: bulk UpdateContactAttributes for Amazon Connect, on BullMQ + Redis

  connect-backfill run <file>          enqueue + work + report in one process
  connect-backfill enqueue <file>      validate and queue a file, print the run id
  connect-backfill work                process queued runs until SIGTERM/SIGINT (--exit-when-idle)
  connect-backfill status [runId]      counts per status, rate, ETA (--json)
  connect-backfill report <runId>      (re)write a run's report files (--follow during a run)
  connect-backfill retry <runId>       a new run of the retryable failed rows (--include-permanent: all failed)
  connect-backfill resume <runId>      go on with a run the circuit breaker stopped
  connect-backfill cancel <runId>      stop a run everywhere; rows not sent become cancelled
  connect-backfill prune               remove finished runs' data from Redis (--older-than 30d, --run-id)
  connect-backfill simulate            start the local Connect stand-in

Common options: --instance-id, --format csv|jsonl, --run-id, --rate (req/s across all workers, default 10),
--concurrency, --reports-dir (default ./reports), --min-contact-date (default 2018-09-12), --max-contact-age
(default 24mo; 730d; 0 for none), --breaker-window/--breaker-ratio/--breaker-auth/--breaker-consecutive,
--breaker-ignore CODE[,CODE], --endpoint, --region.
Redis from REDIS_URL (default redis://127.0.0.1:6379); AWS configuration as the AWS SDK reads it.
Exit codes: 0 all rows updated, skipped or superseded, 3 some rows invalid or failed, 1 could not run
(or the circuit breaker stopped the run), 2 usage error.
See README.md for everything else.
`;
