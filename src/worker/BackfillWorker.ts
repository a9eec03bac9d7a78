import { setMaxListeners } from "node:events";
import type { ConnectClient } from "@aws-sdk/client-connect";
import { DelayedError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import pLimit from "p-limit";
import { createConnectClient } from "../connect/createConnectClient.js";
import type { Logger } from "../log/createLogger.js";
import type { ChunkJobData } from "../queue/ChunkJob.js";
import { ChunkDecoder } from "../queue/decodeChunk.js";
import type { Keys } from "../queue/keys.js";
import { breakerOf, RunStore, type RunManifest } from "../queue/RunStore.js";
import { RateGovernor } from "../rate/RateGovernor.js";
import type { Outcome } from "../report/Outcome.js";
import { OutcomeWriter } from "./OutcomeWriter.js";
import { TimelineRecorder } from "./TimelineRecorder.js";
import { processChunk } from "./processChunk.js";
import type { SendPolicy } from "./sendRow.js";

export interface BackfillWorkerOptions {
  /** A long-lived connection (`maxRetriesPerRequest: null`). */
  readonly redis: Redis;
  readonly keys: Keys;
  readonly log: Logger;
  /** Requests/s across all workers: the governor's ceiling. */
  readonly rate: number;
  /** API calls in flight in this process. */
  readonly concurrency: number;
  readonly chunkSize: number;
  readonly policy: SendPolicy;
  readonly requestTimeoutMs: number;
  readonly endpoint?: string | undefined;
  readonly region?: string | undefined;
  /** Given by tests and benchmarks; made from the options otherwise. */
  readonly client?: ConnectClient;
  /** BullMQ lock: a killed worker's chunk is picked up by another within about twice this. */
  readonly lockDurationMs?: number;
  readonly onOutcome?: (o: Outcome) => void;
  readonly onAttempt?: (throttled: boolean) => void;
}

/**
 * A BullMQ worker taking chunk jobs of every run on this Redis. Each chunk fans
 * out inside the process (p-limit), each call paced by the shared governor.
 */
export class BackfillWorker {
  readonly store: RunStore;
  readonly governor: RateGovernor;
  private readonly worker: Worker<ChunkJobData>;
  /** Fires when the shutdown timeout runs out (or a second signal): calls in flight are cancelled. */
  private readonly shutdown = new AbortController();
  /** Fires as soon as a graceful stop begins: no new call starts; calls in flight finish. */
  private readonly draining = new AbortController();
  private readonly stopNew = AbortSignal.any([this.draining.signal, this.shutdown.signal]);
  private readonly client: ConnectClient;
  private readonly ownsClient: boolean;
  private readonly writer: OutcomeWriter;
  private readonly runs = new Map<string, { manifest: RunManifest; decoder: ChunkDecoder }>();
  private active = 0;
  private readonly timeline: TimelineRecorder;

  constructor(private readonly opts: BackfillWorkerOptions) {
    // Every call and sleep in flight listens to the shutdown signal; hundreds is normal, not a leak.
    setMaxListeners(0, this.shutdown.signal, this.stopNew);
    this.store = new RunStore(opts.redis, opts.keys);
    this.governor = new RateGovernor({ redis: opts.redis, key: opts.keys.governor("UpdateContactAttributes"), ceiling: opts.rate });
    this.ownsClient = !opts.client;
    this.client =
      opts.client ??
      createConnectClient({ endpoint: opts.endpoint, region: opts.region, requestTimeoutMs: opts.requestTimeoutMs, maxSockets: opts.concurrency * 2 });
    this.writer = new OutcomeWriter(this.store, (runId) => breakerOf(this.runs.get(runId)?.manifest));
    this.timeline = new TimelineRecorder(opts.redis, opts.keys);
    const limit = pLimit(opts.concurrency);
    const lockDuration = opts.lockDurationMs ?? 15_000;
    const ctx = {
      store: this.store,
      writer: this.writer,
      governor: this.governor,
      client: this.client,
      limit,
      policy: opts.policy,
      signal: this.shutdown.signal,
      stopNew: this.stopNew,
      runFor: (runId: string) => this.runFor(runId),
      log: opts.log,
      ...(opts.onOutcome ? { onOutcome: opts.onOutcome } : {}),
      onAttempt: (runId: string, throttled: boolean) => {
        this.timeline.record(runId, throttled);
        opts.onAttempt?.(throttled);
      },
    };
    this.worker = new Worker<ChunkJobData>(
      opts.keys.queue,
      async (job: Job<ChunkJobData>, token?: string) => {
        this.active++;
        try {
          const result = await processChunk(job.data, ctx);
          if (result === "unknown-run") opts.log.error({ runId: job.data.runId, chunk: job.id }, "chunk of an unknown run dropped (its run record is gone)");
          if (result === "parked") opts.log.warn({ runId: job.data.runId, chunk: job.id }, "run is stopped; chunk parked until resume");
          if (result === "handback" || result === "waiting") {
            // Back to the queue without using an attempt; another worker (or this one after restart) takes it.
            // A chunk waiting for an earlier line of a contact looks again a little later.
            await job.moveToDelayed(Date.now() + (result === "waiting" ? 500 : 200), token);
            throw new DelayedError();
          }
        } finally {
          this.active--;
        }
      },
      {
        connection: opts.redis,
        prefix: opts.keys.prefix,
        // enough chunks in hand that the tail of one does not leave the call budget idle
        concurrency: Math.max(2, Math.min(opts.concurrency, Math.ceil((3 * opts.concurrency) / opts.chunkSize))),
        lockDuration,
        stalledInterval: lockDuration,
        // A chunk may be interrupted by several crashes in a long backfill; it must not fail for that.
        maxStalledCount: 50,
        autorun: false,
      },
    );
    this.worker.on("failed", (job, err) => {
      if (!job || err instanceof DelayedError || err.name === "DelayedError") return;
      opts.log.error({ runId: job.data.runId, chunk: job.id, attempt: job.attemptsMade, err }, "chunk failed");
      if (job.attemptsMade >= (job.opts.attempts ?? 1)) void this.failRemaining(job.data, err);
    });
    this.worker.on("error", (err) => opts.log.error({ err }, "worker error"));
  }

  private async runFor(runId: string) {
    let run = this.runs.get(runId);
    if (!run) {
      const manifest = await this.store.manifest(runId);
      if (!manifest) return undefined;
      run = { manifest, decoder: new ChunkDecoder(manifest) };
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
    for (const row of data.rows) {
      if (finished.has(row[0])) continue;
      const d = run?.decoder.decode(row);
      const ids = d?.check.ok ? d.check.row : { contactId: "", instanceId: "" };
      await this.writer.add(data.runId, {
        outcome: {
          line: row[0],
          contactId: ids.contactId,
          instanceId: ids.instanceId,
          status: "failed",
          errorCode: "WorkerError",
          httpStatus: undefined,
          message: `line ${row[0]}: the worker could not process this row (${err.message.slice(0, 200)})`,
          attempts: 0,
          throttles: 0,
          finishedAt: Date.now(),
          original: d?.original,
          retryable: true,
        },
        flag: 0,
      });
    }
  }

  start(): this {
    void this.worker.run().catch((err: unknown) => this.opts.log.error({ err }, "worker stopped"));
    return this;
  }

  async waitUntilReady(): Promise<void> {
    await this.worker.waitUntilReady();
  }

  get busy(): boolean {
    return this.active > 0;
  }

  /**
   * Graceful stop: take no new chunks, let calls in flight finish for up to
   * `timeoutMs`, then cancel the rest (their rows go back to the queue), flush
   * outcomes. Nothing is lost either way.
   */
  async close(timeoutMs: number): Promise<void> {
    // Before BullMQ's close: chunks in hand stop starting calls now, not when the timeout runs out.
    this.draining.abort();
    const closing = this.worker.close();
    const timer = setTimeout(() => this.shutdown.abort(), timeoutMs);
    try {
      await closing;
    } finally {
      clearTimeout(timer);
      await this.writer.flush();
      await this.timeline.close().catch(() => undefined);
      if (this.ownsClient) this.client.destroy();
    }
  }

  /** Cancels calls in flight at once (second signal); their rows go back to the queue. */
  abortInFlight(): void {
    this.shutdown.abort();
  }
}
