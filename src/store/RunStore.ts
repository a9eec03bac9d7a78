import type { Redis } from "ioredis";
import type { BreakerSettings, RecordedOutcome } from "../domain/breaker.js";
import { changeMemoryName, type RunManifest, type RunTarget } from "../domain/run/manifest.js";
import type { RunProgress } from "../domain/run/state.js";
import type { DryRunPlan } from "../domain/RunSummary.js";
import { Canary, type CanaryAnswer } from "./canary.js";
import { BeforeImages } from "./BeforeImages.js";
import { ChangeMemory } from "./changeMemory.js";
import { type GovernorReading, readGovernor, recordScope } from "./governorState.js";
import { JobHistory } from "./jobHistory.js";
import type { Keys } from "./keys.js";
import { OutcomeLog, type PendingEntry } from "./outcomeLog.js";
import { ParkedChunks } from "./parkedChunks.js";
import { Runs } from "./runs.js";
import { readTimeline, TimelineRecorder } from "./timeline.js";

/**
 * The stores of one Redis and prefix, for callers that hold one object: each
 * aggregate is its own class (runs, outcomeLog, canary, parked chunks, job
 * history, change memory, timeline); the methods below only hand over to them.
 * `Chunk` is the queue's chunk (the store keeps parked chunks as JSON, unread).
 */
export class RunStore<Chunk extends { readonly runId: string } = { readonly runId: string }> {
  readonly runs: Runs;
  readonly outcomeLog: OutcomeLog;
  readonly canary: Canary;
  readonly parkedChunks: ParkedChunks<Chunk>;
  readonly jobHistory: JobHistory;
  readonly beforeImages: BeforeImages;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {
    this.runs = new Runs(redis, keys);
    this.outcomeLog = new OutcomeLog(redis, keys);
    this.canary = new Canary(redis, keys);
    this.parkedChunks = new ParkedChunks(redis, keys);
    this.jobHistory = new JobHistory(redis, keys);
    this.beforeImages = new BeforeImages(redis, keys);
  }

  /** What job `job` last sent to each contact of `target` (`onlyChanged`). */
  changeMemory(job: string, target: RunTarget): ChangeMemory {
    return new ChangeMemory(this.redis, this.keys.changed(changeMemoryName(job, target)));
  }

  /** Counts the calls of every run this process makes, per second (close it to write the last second). */
  timelineRecorder(): TimelineRecorder {
    return new TimelineRecorder(this.redis, this.keys);
  }

  timeline(runId: string): Promise<Array<[number, number, number]>> {
    return readTimeline(this.redis, this.keys, runId);
  }

  /** What the rate governor of `api` last settled on for a target (its scope without account: rate/quotaScope.ts). */
  governor(target: string, api: string): Promise<GovernorReading> {
    return readGovernor(this.redis, this.keys, target, api);
  }

  /** The scope the workers of `target` pace under (with the account, once they know it). */
  recordScope(target: string, scope: string): Promise<void> {
    return recordScope(this.redis, this.keys, target, scope);
  }

  create(m: RunManifest): Promise<{ manifest: RunManifest; created: boolean }> {
    return this.runs.create(m);
  }
  manifest(runId: string): Promise<RunManifest | undefined> {
    return this.runs.manifest(runId);
  }
  saveProducerPosition(runId: string, read: number, chunks: number, done: boolean, blankLines = 0, bytes?: { read: number; total: number }): Promise<string> {
    return this.runs.saveProducerPosition(runId, read, chunks, done, blankLines, bytes);
  }
  producerStopped(runId: string): Promise<void> {
    return this.runs.producerStopped(runId);
  }

  touchProducer(runId: string): Promise<void> {
    return this.runs.touchProducer(runId);
  }
  startChunk(runId: string, at: number): Promise<{ state: string; stopReason: string | undefined }> {
    return this.runs.startChunk(runId, at);
  }
  state(runId: string): Promise<{ state: string; stopReason: string | undefined }> {
    return this.runs.state(runId);
  }
  cancel(runId: string, reason: string): Promise<string> {
    return this.runs.cancel(runId, reason);
  }
  stop(runId: string, reason: string): Promise<void> {
    return this.runs.stop(runId, reason);
  }
  stopIfGoing(runId: string, reason: string): Promise<void> {
    return this.runs.stopIfGoing(runId, reason);
  }
  clearStop(runId: string): Promise<void> {
    return this.runs.clearStop(runId);
  }
  progress(runId: string): Promise<RunProgress | undefined> {
    return this.runs.progress(runId);
  }
  backlog(runId: string): Promise<{ parked: number; outcomes: number; state: string }> {
    return this.runs.backlog(runId);
  }
  saveDryRunPlan(runId: string, plan: DryRunPlan): Promise<void> {
    return this.runs.saveDryRunPlan(runId, plan);
  }
  dryRunPlan(runId: string): Promise<DryRunPlan | undefined> {
    return this.runs.dryRunPlan(runId);
  }
  addPlanned(runId: string, calls: number): Promise<void> {
    return this.runs.addPlanned(runId, calls);
  }
  noteSpool(runId: string, location: string): Promise<void> {
    return this.runs.noteSpool(runId, location);
  }
  spoolLocation(runId: string): Promise<string | undefined> {
    return this.runs.spoolLocation(runId);
  }
  remove(runId: string): Promise<void> {
    return this.runs.remove(runId);
  }
  list(limit?: number): Promise<string[]> {
    return this.runs.list(limit);
  }

  record(runId: string, rows: readonly RecordedOutcome[], breaker: BreakerSettings, grouped = false): Promise<{ added: number; state: string }> {
    return this.outcomeLog.record(runId, rows, breaker, grouped);
  }
  finished(runId: string, lines: readonly number[]): Promise<Set<number>> {
    return this.outcomeLog.finished(runId, lines);
  }
  pendingOutcomes(runId: string, after: string, count: number, maxRows?: number): Promise<PendingEntry[]> {
    return this.outcomeLog.pending(runId, after, count, maxRows);
  }
  trimOutcomes(runId: string, upto: string): Promise<void> {
    return this.outcomeLog.trim(runId, upto);
  }
  outcomesInRedis(runId: string): Promise<number> {
    return this.outcomeLog.inRedis(runId);
  }

  countSent(runId: string, writes?: readonly number[]): Promise<boolean> {
    return this.outcomeLog.countSent(runId, writes);
  }
  maybeSent(runId: string, lines: readonly number[]): Promise<Set<number>> {
    return this.outcomeLog.maybeSent(runId, lines);
  }
  markCutShort(runId: string, read: number): Promise<void> {
    return this.runs.markCutShort(runId, read);
  }
  takeCanary(runId: string, lines: readonly number[], reason: string): Promise<CanaryAnswer> {
    return this.canary.take(runId, lines, reason);
  }
  flyCanary(runId: string): ReturnType<Canary["fly"]> {
    return this.canary.fly(runId);
  }

  park(chunk: Chunk): Promise<void> {
    return this.parkedChunks.park(chunk);
  }
  parked(runId: string): Promise<Chunk[]> {
    return this.parkedChunks.list(runId);
  }
  dropParked(runId: string, count: number): Promise<void> {
    return this.parkedChunks.drop(runId, count);
  }
}
