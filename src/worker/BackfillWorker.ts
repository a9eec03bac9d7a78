import { EventEmitter, setMaxListeners } from "node:events";
import type { ConnectClient } from "@aws-sdk/client-connect";
import type { Worker } from "bullmq";
import { CallSlots } from "./CallSlots.js";
import { createConnectClient } from "../connect/createConnectClient.js";
import { changeMemoryName, type RunManifest, type RunTarget } from "../domain/run/manifest.js";
import type { ChunkJobData } from "../queue/ChunkJob.js";
import type { ApiName } from "../connect/readContact.js";
import { StartCache } from "./beforeSend.js";
import { signedTarget, whyLeftAlone } from "./workerTarget.js";
import { queueOfManifest, RunQueues } from "../queue/RunQueues.js";
import type { Outcome } from "../domain/Outcome.js";
import { OutcomeWriter, recordRulesOf } from "./OutcomeWriter.js";
import { within } from "./within.js";
import { type ChunkProcessor, chunkHandler, reportRemaining } from "./chunkHandler.js";
import { runQueueWorker } from "./runQueueWorker.js";
import { WorkerVoice } from "./WorkerVoice.js";
import { Governors } from "./Governors.js";
import type { RateGovernor } from "../rate/RateGovernor.js";
import type { BackfillWorkerOptions, WorkerEvents } from "./BackfillWorkerOptions.js";

export type { BackfillWorkerOptions, WorkerEvents } from "./BackfillWorkerOptions.js";
import type { CallResult } from "../connect/sendCall.js";
import type { ChangeMemory } from "../store/changeMemory.js";
import { ManifestVersionError } from "../store/ManifestVersionError.js";
import { RunStore } from "../store/RunStore.js";
import type { TimelineRecorder } from "../store/timeline.js";

/**
 * Works the runs on this Redis it may (every run, or those it is given, aimed at
 * its target), each from the run's own BullMQ queue. Each chunk fans out inside
 * the process (CallSlots: one budget of calls in flight for all runs, a queue per API and paced run for the
 * calls waiting for their turns), each call paced by the shared governor.
 */
export class BackfillWorker {
  readonly store: RunStore<ChunkJobData>;
  readonly events = new EventEmitter<WorkerEvents>();
  /** One governor per API (quotas are per API), shared with every process on the prefix. */
  private readonly governors: Governors;
  /** One BullMQ worker per run queue taken up, by queue name. */
  private readonly workers = new Map<string, Worker<ChunkJobData>>();
  /** Workers of finished runs, closing. */
  private readonly letGo: Array<Promise<unknown>> = [];
  private readonly process: ChunkProcessor;
  private readonly counts: RunQueues;
  private readonly lockDuration: number;
  private readonly finished = new Set<string>();
  private readonly leftAlone = new Set<string>();
  /** The target its calls are signed for (signedTarget), found once. */
  private aimed: Promise<RunTarget> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private rateTimer: NodeJS.Timeout | undefined;
  private discovering: Promise<void> | undefined;
  private closing = false;
  /** Fires when the shutdown timeout runs out (or a second signal): calls in flight are cancelled. */
  private readonly shutdown = new AbortController();
  /** Fires as soon as a graceful stop begins: no new call starts; calls in flight finish. */
  private readonly draining = new AbortController();
  private readonly stopNew = AbortSignal.any([this.draining.signal, this.shutdown.signal]);
  /** Made when first needed (a call, the Region of the quota, the target signed for): see `client`. */
  private made: ConnectClient | undefined;
  private clientClosed = false;
  private readonly ownsClient: boolean;
  private readonly writer: OutcomeWriter;
  private readonly runs = new Map<string, RunManifest>();
  private active = 0;
  private readonly timeline: TimelineRecorder;
  private readonly say: WorkerVoice;

  constructor(private readonly opts: BackfillWorkerOptions) {
    // Every call and sleep in flight listens to the shutdown signal; hundreds is normal, not a leak.
    setMaxListeners(0, this.shutdown.signal, this.stopNew);
    this.store = new RunStore<ChunkJobData>(opts.redis, opts.keys);
    this.ownsClient = !opts.client;
    this.writer = new OutcomeWriter(this.store, (runId) => recordRulesOf(this.runs.get(runId)));
    this.timeline = this.store.timelineRecorder();
    this.say = new WorkerVoice(opts.log, this.store);
    const clientOf = () => this.client;
    this.governors = new Governors(opts, clientOf, (target, scope) => this.store.recordScope(target, scope));
    const ctx = {
      store: this.store,
      writer: this.writer,
      changesFor: (job: string, target: RunTarget) => this.changesFor(job, target),
      send: {
        get client() {
          return clientOf();
        },
        governorFor: (api: ApiName) => this.governors.of(api),
        paceFor: (runId: string, rate: number) => this.governors.paceOf(runId, rate),
        slots: new CallSlots(opts.concurrency),
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
    this.process = chunkHandler({
      ctx,
      log: opts.log,
      say: this.say,
      events: this.events,
      stopNew: this.stopNew,
      busy: (d) => {
        this.active += d;
      },
      runLost: (runId, chunk) => this.runLost(runId, chunk),
    });
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

  /**
   * The Connect client, made when first asked for (a call, the Region of the quota, the Region signed for when
   * none was given): a worker never started, as `run` leaves it for a job's unchanged night that its producer
   * settles whole, never loads the AWS SDK (~0.2 s of this thread's CPU). One made after `close` (a scan that was
   * under way) is closed at once: no call starts then, and nothing would close it later.
   */
  private get client(): ConnectClient {
    if (!this.made) {
      this.made = this.opts.client ?? createConnectClient({ ...this.opts, maxSockets: this.opts.concurrency * 2, pinned: this.opts.pinned === true });
      if (this.clientClosed && this.ownsClient) this.made.destroy();
    }
    return this.made;
  }

  /** This worker may work the run: asked for it (or for all), and aimed where the run's calls must go. */
  private async allowed(runId: string): Promise<boolean> {
    if (this.opts.runs && !this.opts.runs.includes(runId)) return false;
    const run = await this.runFor(runId);
    if (!run) return true; // processChunk reports an unknown run
    this.aimed ??= signedTarget(() => this.client, this.opts.target);
    const why = whyLeftAlone(run.target, await this.aimed);
    if (why && !this.leftAlone.has(runId)) {
      this.leftAlone.add(runId);
      this.opts.log.warn({ runId }, `run ${runId} left alone: ${why}`);
    }
    return why === undefined;
  }

  private attach(name: string): void {
    const worker = runQueueWorker(name, this.process, {
      ...this.opts,
      lockDurationMs: this.lockDuration,
      say: this.say,
      failRemaining: (data, err) => this.failRemaining(data, err),
    });
    this.workers.set(name, worker);
  }

  private readonly memories = new Map<string, ChangeMemory>();

  private changesFor(job: string, target: RunTarget): ChangeMemory {
    const name = changeMemoryName(job, target);
    let m = this.memories.get(name);
    if (!m) this.memories.set(name, (m = this.store.changeMemory(job, target)));
    return m;
  }

  /** The rate each governor this process uses last reported (requests/s), for metrics. */
  governorRates(): Array<[ApiName, number]> {
    return this.governors.rates();
  }

  governorFor(api: ApiName): RateGovernor {
    return this.governors.of(api);
  }

  /** A run's hash vanished while its chunks were queued: Redis lost its data (or someone deleted the keys). */
  private runLost(runId: string, chunk: string): void {
    this.runs.delete(runId);
    this.say.runLost(runId, chunk);
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
    await reportRemaining(this.store, this.writer, data, await this.runFor(data.runId), err.message);
  }

  start(): this {
    void this.discover();
    // `run` watches one run: look often, so its first chunk is taken at once.
    this.timer = setInterval(() => void this.discover(), this.opts.discoverMs ?? (this.opts.runs ? 200 : 1000));
    this.rateTimer = setInterval(() => this.say.rates(this.governors.byApi), 1000);
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
      this.clientClosed = true;
      if (this.ownsClient) this.made?.destroy();
    }
  }

  /** Cancels calls in flight at once (second signal); their rows go back to the queue. */
  abortInFlight(): void {
    this.shutdown.abort();
  }
}
