import type { Outcome } from "../domain/Outcome.js";
import { addChunks } from "./addChunks.js";
import { queueNameOf, queueOfManifest, type RunQueues } from "./RunQueues.js";
import { ContactChain } from "./ContactChain.js";
import { type CheckedRow, ChunkRows, type ChunkJobData } from "../domain/queuedRow.js";
import type { SourceRecord } from "../input/SourceRecord.js";
import { rolesOf } from "../operations/checkRecord.js";
import { operationNamed } from "../operations/registry.js";
import { RowChecker } from "./RowChecker.js";
import type { EnqueueResult } from "./enqueueFile.js";
import { newRunId } from "./enqueueFile.js";
import { breakerManifestFields, breakerOf, type BreakerSettings, type RecordedOutcome } from "../domain/breaker.js";
import { groupsOutcomes, type MaxContactAge, notChildOf, type RunManifest, type RunTarget } from "../domain/run/manifest.js";
import type { RunStore } from "../store/RunStore.js";
import { InputFileError } from "../input/InputFileError.js";

export interface RetryOptions {
  readonly parent: RunManifest;
  /** The parent's outcomes (any order). */
  readonly outcomes: Iterable<Outcome>;
  /** Also the rows that failed for reasons a retry does not fix by itself (404, 400...). */
  readonly includePermanent: boolean;
  readonly runId?: string | undefined;
  readonly chunkSize: number;
  readonly breaker: BreakerSettings;
  readonly maxContactAge: MaxContactAge;
  /** Where the retry's calls go: the parent's target (a retry sends the parent's rows again). */
  readonly target: RunTarget;
  /** The retry's calls per second (its command's --rate, else the parent's): see RunManifest.rate. */
  readonly rate?: number | undefined;
  /** Called once the run is created or found, before its rows are queued. */
  readonly onReady?: () => void;
}

/**
 * A new run made of a run's failed rows, as they were read (their original
 * record and line, so reports still point into the original file), linked to
 * its parent. Rows are queued straight from the parent's outcomes: the file
 * need not be on this host.
 *
 * File order survives the retry: the retried rows of a contact are chained in
 * line order as the producer does, and a retried row does not send an attribute
 * that a later line of its contact already applied in the parent (its outcome
 * kept the names it applied): that would put an older value back. A row left
 * with nothing to send is `superseded`, saying which line won.
 */
export async function enqueueRetry(store: RunStore, queues: RunQueues, opts: RetryOptions): Promise<EnqueueResult> {
  const runId = opts.runId ?? newRunId();
  const picked: Outcome[] = [];
  // contact -> [line, names] of its rows the parent applied and whose names it kept (contacts with several rows)
  const applied = new Map<string, Array<[number, readonly string[]]>>();
  const contactOf = (o: Outcome) => `${o.instanceId}\u0000${o.contactId}`;
  for (const o of opts.outcomes) {
    if (o.status === "updated" && o.keys) {
      const list = applied.get(contactOf(o)) ?? [];
      list.push([o.line, o.keys]);
      applied.set(contactOf(o), list);
    }
    if (o.status !== "failed" || !(o.retryable || opts.includePermanent) || !o.original || "raw" in o.original) continue;
    picked.push(o);
  }
  picked.sort((a, b) => a.line - b.line);
  // Read again by the producer's own check (the run's header, mapping and defaults): the one place a record is checked.
  const checker = new RowChecker(
    rolesOf(opts.parent.shape, opts.parent.mapping),
    { instanceId: opts.parent.defaultInstanceId },
    operationNamed(opts.parent.operation),
    opts.parent.columns,
  );
  const chain = new ContactChain();
  const rows: Array<{ row: CheckedRow; prev: number; omit: Array<[string, number]> }> = [];
  const invalid: RecordedOutcome[] = [];
  for (const o of picked) {
    const orig = o.original as { fields: string[] } | { object: Record<string, unknown> };
    const rec: SourceRecord = "fields" in orig ? { kind: "fields", line: o.line, fields: [...orig.fields] } : { kind: "object", line: o.line, value: orig.object };
    const check = checker.check(rec);
    if (!check.ok) {
      invalid.push({ outcome: check.outcome, flag: 0 });
      continue;
    }
    const prev = chain.previous(o.instanceId, o.contactId, o.line);
    const omit = new Map<string, number>(o.omit ?? []);
    for (const [line, keys] of applied.get(contactOf(o)) ?? []) {
      if (line <= o.line) continue;
      for (const k of keys) omit.set(k, Math.max(omit.get(k) ?? 0, line));
    }
    rows.push({ row: check.row, prev, omit: [...omit] });
  }
  if (rows.length === 0 && invalid.length === 0) return { runId, rows: 0, invalid: 0, chunks: 0, alreadyQueued: false, resumed: false };
  const { manifest, created } = await store.create({
    ...opts.parent,
    runId,
    chunkSize: opts.chunkSize,
    createdAt: Date.now(),
    parentRunId: opts.parent.runId,
    // The parent's canary was its own: a retry goes through without pausing.
    canary: undefined,
    ...breakerManifestFields(opts.breaker),
    maxContactAge: opts.maxContactAge,
    queue: queueNameOf(runId),
    target: opts.target,
    ...(opts.rate !== undefined ? { rate: opts.rate } : {}),
  });
  // Made by another command since the retry looked (two commands given one --run-id at once): only this parent's
  // retry is gone on with; another run is not taken over.
  const refused = created ? undefined : notChildOf(manifest, opts.parent.runId, "retry");
  if (refused) throw new InputFileError(refused);
  const queue = queues.named(queueOfManifest(manifest));
  opts.onReady?.();
  if (!created) {
    const p = await store.progress(runId);
    if (p?.producerDone) return { runId, rows: p.read, invalid: 0, chunks: p.chunks, alreadyQueued: true, resumed: false };
  }
  if (invalid.length > 0) await store.record(runId, invalid, breakerOf(manifest), groupsOutcomes(manifest));
  const jobs: ChunkJobData[] = [];
  const chunk = new ChunkRows();
  for (const { row, prev, omit } of rows) {
    chunk.add(row, prev, omit);
    if (chunk.length >= opts.chunkSize) jobs.push({ runId, index: jobs.length, ...chunk.take() });
  }
  if (chunk.length > 0) jobs.push({ runId, index: jobs.length, ...chunk.take() });
  for (let i = 0; i < jobs.length; i += 20) await addChunks(queue, jobs.slice(i, i + 20), `run retry again with --run-id ${runId}`);
  await store.saveProducerPosition(runId, rows.length + invalid.length, jobs.length, true);
  return { runId, rows: rows.length + invalid.length, invalid: invalid.length, chunks: jobs.length, alreadyQueued: false, resumed: !created };
}
