import { EventEmitter, setMaxListeners } from "node:events";
import type { ConnectClient } from "@aws-sdk/client-connect";
import { DelayedError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import pLimit from "p-limit";
import { createConnectClient } from "../connect/createConnectClient.js";
import { breakerOf } from "../domain/breaker.js";
import { targetMismatch, type RunManifest, type RunTarget } from "../domain/run/manifest.js";
import type { Logger } from "../log/createLogger.js";
import type { ChunkJobData } from "../queue/ChunkJob.js";
import type { ApiName } from "../connect/readContact.js";
import { StartCache } from "./beforeSend.js";
import { queueOfManifest, RunQueues } from "../queue/RunQueues.js";
import { sleep } from "../lib/sleep.js";
import { RateGovernor } from "../rate/RateGovernor.js";
import { redisTrouble, runLostMessage, troubleMessage, type RedisTrouble } from "../queue/redisTrouble.js";
import type { Outcome } from "../report/Outcome.js";
import { workerFailed } from "../report/outcomes.js";
import { OutcomeWriter } from "./OutcomeWriter.js";
import { within } from "./within.js";
import { processChunk } from "./processChunk.js";
import { workRowsOf } from "./chunk/WorkRow.js";
import type { CallResult, SendPolicy } from "../connect/sendCall.js";
import type { ChangeMemory } from "../store/changeMemory.js";
import type { Keys } from "../store/keys.js";
import { ManifestVersionError } from "../store/ManifestVersionError.js";
import { RunStore } from "../store/RunStore.js";
import type { TimelineRecorder } from "../store/timeline.js";

export interface BackfillWorkerOptions {
  /** A long-lived connection (`maxRetriesPerRequest: null`). */
  readonly redis: Redis;
  readonly keys: Keys;
  readonly log: Logger;
  /** Requests/s across all workers: the governor's ceiling. */
  readonly rate: number;
  /** Share of the rate found safe left to the account's other callers (`--headroom`); default 0. */
  readonly headroom?: number;
  /** API calls in flight in this process. */
  readonly concurrency: number;
  readonly chunkSize: number;
  readonly policy: SendPolicy;
  readonly requestTimeoutMs: number;
  readonly endpoint?: string | undefined;
  readonly region?: string | undefined;
  /** Where this worker's calls go: runs queued for another target are left alone. */
  readonly target: RunTarget;
  /** Only these runs (`run`: its own; `work --run-id`). Absent: every run on the prefix. */
  readonly runs?: readonly string[] | undefined;
  /** How often the runs index is read for new runs. */
  readonly discoverMs?: number;
  /** Given by tests and benchmarks; made from the options otherwise. */
  readonly client?: ConnectClient;
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

/**
 * Works the runs on this Redis it may (every run, or those it is given, aimed at
 * its target), each from the run's own BullMQ queue. Each chunk fans out inside
 * the process (p-limit: one call budget for all runs), each call paced by the
 * shared governor.
 */
export class BackfillWorker {
  readonly store: RunStore<ChunkJobData>;
  readonly events = new EventEmitter<WorkerEvents>();
  /** One governor per API (quotas are per API), shared with every process on the prefix. */
  private readonly governors = new Map<ApiName, RateGovernor>();
  /** One BullMQ worker per run queue taken up, by queue name. */
  private readonly workers = new Map<string, Worker<ChunkJobData>>();
  /** Workers of finished runs, closing. */
  private readonly letGo: Array<Promise<unknown>> = [];
  private readonly process: (job: Job<ChunkJobData>, token?: string) => Promise<void>;
  private readonly counts: RunQueues;
  private readonly lockDuration: number;
  private readonly finished = new Set<string>();
  private readonly leftAlone = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private rateTimer: NodeJS.Timeout | undefined;
  private discovering: Promise<void> | undefined;
  private closing = false;
  /** Fires when the shutdown timeout runs out (or a second signal): calls in flight are cancelled. */
  private readonly shutdown = new AbortController();
  /** Fires as soon as a graceful stop begins: no new call starts; calls in flight finish. */
  private readonly draining = new AbortController();
  private readonly stopNew = AbortSignal.any([this.draining.signal, this.shutdown.signal]);
  private readonly client: ConnectClient;
  private readonly ownsClient: boolean;
  private readonly writer: OutcomeWriter;
  private readonly runs = new Map<string, RunManifest>();
  private active = 0;
  private readonly timeline: TimelineRecorder;
  /** Chunks handed back in a row because Redis refused them: the wait before the next grows with it. */
  private troubleStreak = 0;
  private readonly troubleSaid = new Map<RedisTrouble, number>();
  /** Runs whose hash vanished while this worker had them: said once, then left. */
  private readonly lost = new Set<string>();

  constructor(private readonly opts: BackfillWorkerOptions) {
    // Every call and sleep in flight listens to the shutdown signal; hundreds is normal, not a leak.
    setMaxListeners(0, this.shutdown.signal, this.stopNew);
    this.store = new RunStore<ChunkJobData>(opts.redis, opts.keys);
    this.ownsClient = !opts.client;
    this.client =
      opts.client ?? createConnectClient({ endpoint: opts.endpoint, region: opts.region, requestTimeoutMs: opts.requestTimeoutMs, maxSockets: opts.concurrency * 2 });
    this.writer = new OutcomeWriter(this.store, (runId) => breakerOf(this.runs.get(runId)));
    this.timeline = this.store.timelineRecorder();
    const limit = pLimit(opts.concurrency);
    const ctx = {
      store: this.store,
      writer: this.writer,
      changesFor: (job: string) => this.changesFor(job),
      send: {
        client: this.client,
        governorFor: (api: ApiName) => this.governorFor(api),
        limit,
        policy: opts.policy,
        starts: new StartCache(),
        onAttempt: (runId: string, call: CallResult) => {
          this.timeline.record(runId, call.result === "throttled");
          this.events.emit("attempt", runId, call);
        },
      },
      signal: this.shutdown.signal,
      stopNew: this.stopNew,
      runFor: (runId: string) => this.runFor(runId),
      log: opts.log,
      onOutcome: (runId: string, o: Outcome) => this.events.emit("outcome", runId, o),
    };
    this.lockDuration = opts.lockDurationMs ?? 15_000;
    this.process = async (job: Job<ChunkJobData>, token?: string) => {
      this.active++;
      try {
        let result: Awaited<ReturnType<typeof processChunk>>;
        const tally: Record<string, number> = {};
        const started = Date.now();
        try {
          // The run's own queue: taken up only for a run this worker may work (lookForRuns).
          result = await processChunk(job.data, ctx, tally);
        } catch (err) {
          const trouble = redisTrouble(err);
          if (!trouble) throw err;
          return await this.handBackInTrouble(job, token, trouble);
        }
        if (this.troubleStreak > 0) {
          this.troubleStreak = 0;
          this.troubleSaid.clear();
          opts.log.info("Redis takes writes again; chunks go on");
        }
        if (result === "unknown-run") this.runLost(job.data.runId, String(job.id));
        const rows = Object.values(tally).reduce((a, b) => a + b, 0);
        if (rows > 0 || result === "done") {
          // One line per chunk a person can follow (ids and counts; never values).
          const summary = { chunk: String(job.id), rows, counts: tally, ms: Date.now() - started };
          if (result === "done") opts.log.info({ runId: job.data.runId, ...summary }, "chunk finished");
          this.events.emit("chunk", job.data.runId, summary);
        }
        if (result === "parked") {
          opts.log.warn({ runId: job.data.runId, chunk: job.id }, "run is stopped or paused; chunk parked until resume");
          await this.sayStopped(job.data.runId);
        }
        if (result === "handback" || result === "waiting") {
          // Back to the queue without using an attempt; another worker (or this one after restart) takes it.
          // A chunk waiting for an earlier line of a contact looks again a little later.
          const delay = result === "waiting" ? 500 : 200;
          await job.moveToDelayed(Date.now() + delay, token);
          throw new DelayedError();
        }
      } finally {
        this.active--;
      }
    };
    this.counts = new RunQueues(opts.redis, opts.keys);
  }

  /**
   * Reads the runs index and takes up the queue of every run this worker may
   * work (all, or `runs`; aimed at its target; not finished), and lets go of
   * queues whose runs are finished. Runs left alone are named once in the log.
   */
  private discover(): Promise<void> {
    if (this.closing) return Promise.resolve();
    // One look at a time; a caller that needs the answer (idle, waitUntilReady) waits for the look in flight.
    this.discovering ??= this.lookForRuns().finally(() => {
      this.discovering = undefined;
    });
    return this.discovering;
  }

  private async lookForRuns(): Promise<void> {
    try {
      // The runs seen before too: after Redis lost its data the index no longer names them.
      const ids = new Set([...(this.opts.runs ?? (await this.store.list(500))), ...this.runs.keys()]);
      const wanted = new Set<string>();
      for (const id of ids) {
        if (this.finished.has(id)) continue;
        const run = await this.runFor(id).catch((err: unknown) => this.unreadable(id, err));
        if (!run || !(await this.allowed(id))) continue;
        const p = await this.store.progress(id);
        if (!p) {
          // Known a moment ago, gone now: not a prune (that takes finished runs only).
          if (this.workers.has(queueOfManifest(run))) this.runLost(id, "");
          else this.runs.delete(id);
          continue;
        }
        if (p.complete) {
          this.finished.add(id);
          continue;
        }
        wanted.add(queueOfManifest(run));
      }
      for (const name of wanted) if (!this.workers.has(name) && !this.closing) this.attach(name);
      for (const [name, w] of this.workers) {
        if (wanted.has(name)) continue;
        this.workers.delete(name);
        this.letGo.push(w.close().catch((err: unknown) => this.opts.log.warn({ err }, "closing a finished run's queue")));
      }
    } catch (err) {
      this.opts.log.warn({ err }, "could not read the runs on this Redis; trying again");
    }
  }

  /** Another release's run is left alone (said once); any other failure to read it is the caller's. */
  private unreadable(runId: string, err: unknown): undefined {
    if (!(err instanceof ManifestVersionError)) throw err;
    if (!this.leftAlone.has(runId)) {
      this.leftAlone.add(runId);
      this.opts.log.warn({ runId }, err.message);
    }
    return undefined;
  }

  /** This worker may work the run: asked for it (or for all), and aimed where the run's calls must go. */
  private async allowed(runId: string): Promise<boolean> {
    if (this.opts.runs && !this.opts.runs.includes(runId)) return false;
    const run = await this.runFor(runId);
    if (!run) return true; // processChunk reports an unknown run
    const why = targetMismatch(run.target, this.opts.target);
    if (why && !this.leftAlone.has(runId)) {
      this.leftAlone.add(runId);
      this.opts.log.warn({ runId }, `run ${runId} left alone: ${why}`);
    }
    return why === undefined;
  }

  private attach(name: string): void {
    const { opts } = this;
    const worker = new Worker<ChunkJobData>(name, this.process, {
      connection: opts.redis,
      prefix: opts.keys.prefix,
      // enough chunks in hand that the tail of one does not leave the call budget idle
      concurrency: Math.max(2, Math.min(opts.concurrency, Math.ceil((3 * opts.concurrency) / opts.chunkSize))),
      lockDuration: this.lockDuration,
      stalledInterval: this.lockDuration,
      // A chunk may be interrupted by several crashes in a long backfill; it must not fail for that.
      maxStalledCount: 50,
      autorun: false,
    });
    worker.on("failed", (job, err) => {
      if (!job || err instanceof DelayedError || err.name === "DelayedError") return;
      opts.log.error({ runId: job.data.runId, chunk: job.id, attempt: job.attemptsMade, err }, "chunk failed");
      if (job.attemptsMade >= (job.opts.attempts ?? 1)) {
        // Caught: an unhandled rejection would end the process (and Node would print the command's arguments).
        this.failRemaining(job.data, err).catch((e: unknown) =>
          opts.log.error(
            { runId: job.data.runId, chunk: job.id, err: e },
            `the rows of a failed chunk could not be reported; "connect-backfill resume ${job.data.runId}" queues them again`,
          ),
        );
      }
    });
    worker.on("error", (err) => {
      const trouble = redisTrouble(err);
      if (trouble) this.sayTrouble(trouble);
      else opts.log.error({ err }, "worker error");
    });
    this.workers.set(name, worker);
    void worker.run().catch((err: unknown) => opts.log.error({ err }, "worker stopped"));
  }

  private readonly memories = new Map<string, ChangeMemory>();

  private changesFor(job: string): ChangeMemory {
    let m = this.memories.get(job);
    if (!m) {
      m = this.store.changeMemory(job);
      this.memories.set(job, m);
    }
    return m;
  }

  /** The rate each governor this process uses last reported (requests/s), for metrics. */
  governorRates(): Array<[ApiName, number]> {
    return [...this.governors].map(([op, g]) => [op, g.rate]);
  }

  governorFor(op: ApiName): RateGovernor {
    let g = this.governors.get(op);
    if (!g) {
      g = new RateGovernor({ redis: this.opts.redis, key: this.opts.keys.governor(op), ceiling: this.opts.rate, headroom: this.opts.headroom ?? 0 });
      this.governors.set(op, g);
    }
    return g;
  }

  private readonly stopSaid = new Set<string>();
  /** The governor rates last logged, by operation. */
  private readonly ratesSaid = new Map<string, number>();

  /** The circuit breaker's decision, said once per run by each worker that meets it (with the reason and what to run). */
  private async sayStopped(runId: string): Promise<void> {
    const { state, stopReason } = await this.store.state(runId).catch(() => ({ state: "", stopReason: undefined }));
    // Once per stop: a canary's pause, then (after resume) a breaker's stop, are each said.
    const said = `${runId}\u0000${state}\u0000${stopReason ?? ""}`;
    if (this.stopSaid.has(said)) return;
    this.stopSaid.add(said);
    // A canary's pause is what the operator asked for; a stop is an alarm.
    if (state === "paused") this.opts.log.warn({ runId }, `run ${runId} paused: ${stopReason ?? "paused"}`);
    else this.opts.log.error({ runId }, `run ${runId} stopped: ${stopReason ?? "stopped"}`);
  }

  /** A line when a governor's rate moved by more than 20% since the last one said: throttles and recoveries, not every step. */
  private sayRates(): void {
    for (const [op, g] of this.governors) {
      const now = g.rate;
      const before = this.ratesSaid.get(op);
      if (before !== undefined && Math.abs(now - before) <= before * 0.2) continue;
      this.ratesSaid.set(op, now);
      if (before !== undefined)
        this.opts.log.info(
          { operation: op, from: Math.round(before * 10) / 10, to: Math.round(now * 10) / 10 },
          `governor rate ${before.toFixed(1)} → ${now.toFixed(1)} req/s (${op})`,
        );
    }
  }

  /** Once a minute at most per kind: a full Redis refuses every write, and the log must not fill the disk too. */
  private sayTrouble(kind: RedisTrouble): void {
    const now = Date.now();
    if (now - (this.troubleSaid.get(kind) ?? 0) < 60_000) return;
    this.troubleSaid.set(kind, now);
    this.opts.log.error(`${troubleMessage(kind)}; chunks are kept and taken again once it does, without using an attempt`);
  }

  /**
   * Redis refused the chunk's writes or reads. The chunk is kept: it goes back to
   * the queue without using an attempt (BullMQ's moveToDelayed), after a wait that
   * grows while the trouble lasts. If Redis refuses even that, the chunk's lock
   * runs out and BullMQ returns it to the queue as stalled, again without an attempt.
   */
  private async handBackInTrouble(job: Job<ChunkJobData>, token: string | undefined, kind: RedisTrouble): Promise<never> {
    this.sayTrouble(kind);
    this.troubleStreak++;
    try {
      await sleep(Math.min(30_000, 250 * 2 ** Math.min(this.troubleStreak, 7)), this.stopNew);
    } catch {
      // stopping: hand back now
    }
    try {
      await job.moveToDelayed(Date.now() + 1_000, token);
    } catch {
      // still refused: left to the lock's expiry (above)
    }
    throw new DelayedError();
  }

  /** A run's hash vanished while its chunks were queued: Redis lost its data (or someone deleted the keys). */
  private runLost(runId: string, chunk: string): void {
    this.runs.delete(runId);
    if (this.lost.has(runId)) return;
    this.lost.add(runId);
    this.opts.log.error({ runId, chunk }, runLostMessage(runId));
  }

  private async runFor(runId: string) {
    let run = this.runs.get(runId);
    if (!run) {
      const manifest = await this.store.manifest(runId);
      if (!manifest) return undefined;
      run = manifest;
      this.runs.set(runId, run);
    }
    return run;
  }

  /** Out of chunk retries: the rows still without an outcome are reported, never lost. */
  private async failRemaining(data: ChunkJobData, err: Error): Promise<void> {
    const finished = await this.store.finished(
      data.runId,
      data.rows.map(([l]) => l),
    );
    const run = await this.runFor(data.runId);
    for (const row of workRowsOf(data, { columns: run?.columns, defaultInstanceId: run?.defaultInstanceId })) {
      if (finished.has(row.line)) continue;
      const ids = { contactId: row.contactId, instanceId: row.instanceId };
      await this.writer.add(data.runId, { outcome: workerFailed({ line: row.line, ...ids }, err.message, row.original), flag: 0 });
    }
  }

  start(): this {
    void this.discover();
    // `run` watches one run: look often, so its first chunk is taken at once.
    this.timer = setInterval(() => void this.discover(), this.opts.discoverMs ?? (this.opts.runs ? 200 : 1000));
    this.rateTimer = setInterval(() => this.sayRates(), 1000);
    return this;
  }

  /** Resolves once the first look at the runs is done and its queues are being worked. */
  async waitUntilReady(): Promise<void> {
    await this.discover();
    await Promise.all([...this.workers.values()].map((w) => w.waitUntilReady()));
  }

  get busy(): boolean {
    return this.active > 0;
  }

  /** Nothing in hand and nothing queued, delayed or active in any queue this worker works. */
  async idle(): Promise<boolean> {
    if (this.busy) return false;
    await this.discover();
    for (const name of this.workers.keys()) {
      const c = await this.counts.named(name).getJobCounts("waiting", "active", "delayed", "prioritized", "waiting-children");
      if (Object.values(c).some((n) => n > 0)) return false;
    }
    return !this.busy;
  }

  /**
   * Graceful stop: start no new call, let calls in flight finish for up to
   * `timeoutMs`, then cancel the rest (their rows go back to the queue), flush
   * outcomes. Nothing is lost either way.
   */
  async close(timeoutMs: number): Promise<void> {
    this.closing = true;
    clearInterval(this.timer);
    clearInterval(this.rateTimer);
    // Before BullMQ's close: chunks in hand stop starting calls now, not when the timeout runs out.
    this.draining.abort();
    const closing = Promise.all([...[...this.workers.values()].map((w) => w.close()), ...this.letGo]);
    const timer = setTimeout(() => this.shutdown.abort(), timeoutMs);
    try {
      // BullMQ's close waits for Redis without a limit: with Redis down it never returns.
      // Past the timeout (and a moment for handing back), go anyway: rows without an
      // outcome stay in their chunks, which other workers take once the locks expire.
      if (!(await within(closing, timeoutMs + 3_000))) {
        this.opts.log.warn({ timeoutMs }, "could not hand chunks back (Redis does not answer); they return to the queue when their locks expire");
      }
    } finally {
      clearTimeout(timer);
      await within(this.writer.flush(), 3_000);
      await within(this.timeline.close(), 1_000);
      await within(this.counts.close(), 1_000);
      if (this.ownsClient) this.client.destroy();
    }
  }

  /** Cancels calls in flight at once (second signal); their rows go back to the queue. */
  abortInFlight(): void {
    this.shutdown.abort();
  }
}
