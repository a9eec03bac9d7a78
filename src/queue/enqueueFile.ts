import type { Queue } from "bullmq";
import { fingerprintSize } from "../input/InputTransport.js";
import { refuseOtherRun } from "./refuseOtherRun.js";
import { judgeInput } from "./judgeNight.js";
import { STDIN, transportOf } from "../input/transportOf.js";
import { openRunInput } from "./openRunInput.js";
import { ChunkRows, type ChunkJobData } from "../domain/queuedRow.js";
import { type Checked, columnPlanOf, RowChecker } from "./RowChecker.js";
import type { SourceRecord } from "../input/SourceRecord.js";
import { type EnqueueOptions, type EnqueueResult, newRunId, safetyFields } from "./EnqueueOptions.js";

export { type EnqueueOptions, type EnqueueResult, newRunId, type QueueWindow, type RunSafety, safetyFields } from "./EnqueueOptions.js";
import { addChunks } from "./addChunks.js";
import { RedisRefusedError, redisTrouble, troubleMessage } from "./redisTrouble.js";
import { queueNameOf, queueOfManifest, type RunQueues } from "./RunQueues.js";
import { BatchInFlight } from "./BatchInFlight.js";
import { ProducerStopped, queueWindow, RunCancelled } from "./queueWindow.js";
import { ContactChain } from "./ContactChain.js";
import { type CheckedRecord, ContactsTogether } from "./ContactsTogether.js";
import { cancelRows } from "./cancelRows.js";
import { breakerManifestFields, breakerOf, type RecordedOutcome } from "../domain/breaker.js";
import { groupsOutcomes, MANIFEST_VERSION, type RunManifest } from "../domain/run/manifest.js";
import type { RunStore } from "../store/RunStore.js";

/** Where the producer was when it closed a batch: saved once that batch is in Redis. */
interface Position {
  readonly read: number;
  readonly chunks: number;
  readonly done: boolean;
  readonly blankLines: number;
  readonly bytes: { read: number; total: number } | undefined;
}

/** Rows read before the input's size is taken as a guide to how many contacts it holds (ContactChain.reserve). */
const SIZE_SAMPLE_ROWS = 2_000;
/** Chunks sent to Redis per addBulk round trip. */
const CHUNKS_PER_BATCH = 2;
/**
 * Chunks per batch where the producer settles them first (settleFirst): each takes three round trips to Redis,
 * and a batch's chunks settle at once, so more of them leave the process less idle (an unchanged 100k night:
 * ~0.2 s idle with two, ~0.1 s with four).
 */
const SETTLED_CHUNKS_PER_BATCH = 4;

/**
 * Streams a file into the queue as chunk jobs of `chunkSize` valid rows; invalid
 * rows get their outcome at once and are never queued. The position is saved
 * after each batch, so running it again with the same run id resumes where a
 * crash left it: chunk ids are deterministic (BullMQ ignores an id it holds) and
 * outcomes are recorded once per line (its done bit, SETBIT), so nothing is added or reported twice.
 */
export async function enqueueFile(store: RunStore, queues: RunQueues, opts: EnqueueOptions): Promise<EnqueueResult> {
  const runId = opts.runId ?? newRunId(new Date(), opts.job?.name);
  try {
    return await enqueueInto(store, queues, { ...opts, runId });
  } catch (err) {
    const trouble = redisTrouble(err);
    if (trouble !== "full" && trouble !== "read-only") throw err;
    // The position is saved after each batch: the same command with this run id goes on from there.
    const again =
      opts.path === STDIN
        ? "standard input cannot be read again: queue the file under a new --run-id once Redis has room (cancel this one)"
        : `once it has room, run the same command with --run-id ${runId} to go on where it stopped (nothing is queued twice)`;
    throw new RedisRefusedError(`${troubleMessage(trouble)}; run ${runId} is queued only in part: ${again}.`);
  }
}

async function enqueueInto(store: RunStore, queues: RunQueues, opts: EnqueueOptions & { runId: string }): Promise<EnqueueResult> {
  const stdin = opts.path === STDIN;
  // A file, standard input or an S3 object: the run records its id and fingerprint alike.
  const transport = transportOf(opts.path);
  const path = transport.id;
  // Open (and so check) the file before anything is written to Redis.
  // Going on with a job's run without its job file: the run keeps the job's column mapping.
  const known = await store.manifest(opts.runId);
  const mapping = opts.mapping ?? known?.mapping;
  // Going on with a run: its own default instance, whatever this shell's CONNECT_INSTANCE_ID says (a flag that disagrees was refused before).
  const instanceId = known ? known.defaultInstanceId : opts.instanceId;
  let bytesRead = 0;
  // And its own operation and separator: a producer started again reads the file as the run was made to.
  const inputOptions = { format: opts.format, delimiter: known?.delimiter ?? opts.delimiter, instanceId, mapping, operation: known?.operation ?? opts.operation };
  // A job's guards judge the night once, before its run exists (a run that exists was judged when it was made).
  const night =
    !known && opts.guards && opts.job
      ? await judgeInput(store, transport, {
          ...inputOptions,
          job: opts.job.name,
          target: opts.target,
          guards: opts.guards,
          chunkSize: opts.chunkSize,
          forget: opts.forget === true,
        })
      : undefined;
  const { source, op } = await openRunInput(transport, {
    ...inputOptions,
    onOffset: (at) => {
      bytesRead = at;
    },
  });
  // Only-changed compares a contact's rows folded: they go into one chunk (a run keeps what it was created with).
  const together = !stdin && (known ? known.contactsTogether === true : opts.job?.onlyChanged === true || opts.contactsTogether === true);
  // Standard input cannot be read twice: no fingerprint, and no resume (below).
  const fingerprint = await transport.fingerprint();
  // The input's size (a file's, an S3 object's; none for standard input): the ETA while it is read.
  const total = fingerprint !== undefined ? fingerprintSize(fingerprint) : undefined;
  const runId = opts.runId;
  const columns = columnPlanOf(source.roles, source.shape.format === "csv" ? source.shape.header : undefined);
  const wanted: RunManifest = {
    version: MANIFEST_VERSION,
    runId,
    input: path,
    shape: source.shape,
    ...(source.shape.format === "csv" ? { delimiter: inputOptions.delimiter ?? "," } : {}),
    defaultInstanceId: instanceId,
    minContactDate: (opts.minContactDate ?? op.availableSince)?.getTime() ?? 0,
    operation: op.name,
    ...(opts.job ? { job: opts.job } : {}),
    ...(mapping ? { mapping } : {}),
    ...(columns ? { columns } : {}),
    chunkSize: opts.chunkSize,
    createdAt: Date.now(),
    parentRunId: opts.parentRunId,
    ...breakerManifestFields(opts.breaker),
    maxContactAge: opts.maxContactAge,
    queue: queueNameOf(runId),
    target: opts.target,
    ...(opts.rate !== undefined ? { rate: opts.rate } : {}),
    ...(fingerprint ? { fingerprint } : {}),
    ...(together ? { contactsTogether: true } : {}),
    ...safetyFields(opts.safety),
    ...(night ? { night } : {}),
  };
  // Forgotten before the run exists, so a crash in between cannot leave a new run with the old memory
  // (going on with its --run-id would find it created and forget nothing).
  if (opts.job && opts.forget && !opts.safety?.dryRun && !(await store.manifest(runId))) await store.changeMemory(opts.job.name, opts.target).forget();
  const { manifest, created } = await store.create(wanted);
  if (!created) refuseOtherRun(manifest, { op, opts, path, stdin, fingerprint });
  // A night its guards paused: its chunks wait in the parked list (no worker takes them) until `resume`.
  const guardHeld = manifest.night?.breach !== undefined && !manifest.dryRun;
  const settleFirst = opts.settleFirst && !guardHeld && opts.settleFirst.applies(manifest) ? opts.settleFirst : undefined;
  // A new run whose rows are settled here first has nothing for workers until a chunk is left for one.
  const settlesAhead = created && settleFirst !== undefined;
  // A new run's queue holds nothing until this producer adds a chunk: taken then (a dry run, whose chunks are
  // planned in this process, and an unchanged night never load BullMQ). A run that exists may hold chunks already.
  let queue: Queue | undefined = created ? undefined : queues.named(queueOfManifest(manifest));
  /** The queue, taken when the first chunk goes into it: workers are told they have work then. */
  const queueForChunks = (): Queue => {
    if (!queue) {
      queue = queues.named(queueOfManifest(manifest));
      opts.onWork?.();
    }
    return queue;
  };
  opts.onReady?.({ settlesAhead });
  const progress = await store.progress(runId);
  if (!created && progress?.producerDone) {
    return { runId, rows: progress.read, invalid: progress.counts.invalid, chunks: progress.chunks, alreadyQueued: true, resumed: false };
  }
  const chunksPerBatch = settleFirst ? SETTLED_CHUNKS_PER_BATCH : CHUNKS_PER_BATCH;
  const checker = new RowChecker(source.roles, { instanceId: manifest.defaultInstanceId }, op, manifest.columns);
  // Keeping a contact's rows together takes a first pass over the input. It is the producer's own reader's:
  // a small input is kept as checked and not read again; a larger one is read again from its start.
  const first = together ? await ContactsTogether.read(source.records, checker, () => bytesRead) : undefined;
  const placing = first?.together;
  const again = first && !first.kept ? (await openRunInput(transport, { ...inputOptions, onOffset: (at) => (bytesRead = at) })).source : undefined;
  const records = first?.kept ?? (again ?? source).records;
  const blankLines = () => (again ?? source).blankLines();
  // Going on after a crash: chunks of `chunkSize` rows skip the rows queued before it; chunks that keep a
  // contact's rows together are rebuilt as they were (the same file gives the same chunks) and skipped by index.
  const alreadyQueuedRows = placing ? 0 : (progress?.chunks ?? 0) * manifest.chunkSize;
  const queuedChunks = placing ? (progress?.chunks ?? 0) : 0;
  const breaker = breakerOf(manifest);
  const grouped = groupsOutcomes(manifest);

  /** A night its guards paused and nobody resumed yet: its sentence, for the command to say. */
  const pausedBy = async (): Promise<{ paused?: string }> => {
    if (!guardHeld) return {};
    const { state, stopReason } = await store.state(runId);
    return state === "paused" && stopReason ? { paused: stopReason } : {};
  };

  let read = 0;
  let valid = 0;
  let invalid = 0;
  const current = new ChunkRows();
  let chunkIndex = placing ? 0 : Math.floor(alreadyQueuedRows / manifest.chunkSize);
  let pendingJobs: ChunkJobData[] = [];
  let invalidBatch: RecordedOutcome[] = [];
  // Each row names the previous line of its contact; workers apply a contact's rows in file order.
  const chain = new ContactChain();

  const flushInvalid = async () => {
    await store.record(runId, invalidBatch, breaker, grouped);
    invalidBatch = [];
  };
  // The window of the file Redis holds (a dry run's chunks never go to Redis: no window).
  const { roomFor, over } = queueWindow({
    runId,
    queue: () => queue,
    store,
    chunkSize: manifest.chunkSize,
    guardHeld,
    window: opts.deliver ? undefined : opts.window,
    opts,
  });

  const flight = new BatchInFlight();
  /** Sends one batch, then saves the position it was read up to (`at`: taken when it was closed, not when it lands). */
  const send = async (jobs: readonly ChunkJobData[], at: Position, inRedis: () => void) => {
    await roomFor(jobs.reduce((n, c) => n + c.rows.length, 0));
    if (opts.deliver) await opts.deliver(jobs);
    else if (!(guardHeld && (await store.parkedChunks.parkIfHeld(runId, jobs)))) {
      const left = settleFirst ? await settleFirst.settle(jobs) : jobs;
      if (left.length > 0) await addChunks(queueForChunks(), left, `run enqueue again with --run-id ${runId} to resume`);
    }
    inRedis();
    // Saved only once every chunk before it is in Redis: a resume never skips a row.
    const state = await store.saveProducerPosition(runId, at.read, at.chunks, at.done, at.blankLines, at.bytes);
    opts.onProgress?.(at.read);
    if (!at.done && state === "cancelled") throw new RunCancelled();
  };

  const flushJobs = async (done: boolean) => {
    if (current.length > 0 && (done || current.length >= manifest.chunkSize)) {
      const chunk = { runId, index: chunkIndex++, ...current.take() };
      if (chunk.index >= queuedChunks) pendingJobs.push(chunk);
    }
    if (!done && pendingJobs.length < chunksPerBatch) return;
    // One batch in flight at a time, in file order (BatchInFlight.ts).
    await flight.landed();
    // Stopped (its run stopped, paused or interrupted): nothing more is queued, whatever the window.
    if (opts.signal?.aborted) throw new ProducerStopped();
    // Invalid rows first: a worker that reads a chunk never meets a line whose outcome is still on its way.
    if (invalidBatch.length > 0) await flushInvalid();
    const jobs = pendingJobs;
    pendingJobs = [];
    // Bytes read and the file's size: `status` and the progress line estimate the rows still to come from them.
    const bytes = total !== undefined ? { read: Math.min(bytesRead, total), total } : undefined;
    const at: Position = { read, chunks: chunkIndex, done, blankLines: blankLines(), bytes };
    flight.start(jobs, (sent, inRedis) => send(sent, at, inRedis));
    if (done) await flight.landed();
  };

  /** One record, checked: a promise only when a batch is flushed (most rows wait for nothing). */
  const take = (line: number, check: Checked): Promise<void> | undefined => {
    read++;
    if (!check.ok) {
      invalid++;
      invalidBatch.push({ outcome: check.outcome, flag: 0 });
      return invalidBatch.length >= 500 ? flushInvalid() : undefined;
    }
    valid++;
    // The file's size over its first rows' bytes: about how many rows it holds.
    // Its first rows' share of distinct contacts scales that down for a file that names contacts many times.
    if (valid === SIZE_SAMPLE_ROWS && total !== undefined && bytesRead > 0) chain.reserve(Math.ceil((total / bytesRead) * read * (chain.size / valid)));
    // Fed for rows queued before a crash too, so a resumed producer names the same predecessors.
    const prev = chain.previous(check.row.instanceId, check.row.contactId, line);
    if (placing) {
      // A group is added whole, then the chunk is closed: a contact's rows never straddle two chunks.
      for (const h of placing.place(check.row, prev)) current.add(h.row, h.prev);
      return current.length >= manifest.chunkSize ? flushJobs(false) : undefined;
    }
    if (valid <= alreadyQueuedRows) return undefined; // queued before the crash
    current.add(check.row, prev);
    return current.length >= manifest.chunkSize ? flushJobs(false) : undefined;
  };

  try {
    if (Array.isArray(records)) {
      for (const { line, check } of records as CheckedRecord[]) {
        const wait = take(line, check) ?? flight.look();
        if (wait) await wait;
      }
    } else {
      for await (const rec of records as AsyncIterable<SourceRecord>) {
        const wait = take(rec.line, checker.check(rec)) ?? flight.look();
        if (wait) await wait;
      }
    }
    // Held rows whose last line never came (only if the input changed under the reader): queued as they are.
    for (const h of placing?.rest() ?? []) current.add(h.row, h.prev);
    await flushJobs(true);
    over();
  } catch (err) {
    // A batch still on its way when reading failed: landed (or failed) before anything is said about the run.
    await flight.landed().catch(() => undefined);
    // Chunks built but not in Redis when the producer stopped (it was waiting for room).
    const queued = chunkIndex - pendingJobs.length - flight.sending.length;
    if (err instanceof ProducerStopped) {
      await store.producerStopped(runId);
      // Every chunk before the saved position is in Redis: nothing is lost, nothing queued twice when it goes on.
      return { runId, rows: read, invalid, chunks: queued, alreadyQueued: false, resumed: !created, interrupted: true, ...(await pausedBy()) };
    }
    if (!(err instanceof RunCancelled)) throw err;
    // Cancelled while reading: the rows read so far are the run; the rest of the file is not part of it. Rows
    // read but never queued get their `cancelled` outcome here: no worker will ever see them.
    const why = (await store.state(runId)).stopReason;
    const reason = `the run was cancelled${why ? ` (${why})` : ""}`;
    // Invalid rows read while the last batch landed: their outcomes are still here (the read count includes them).
    if (invalidBatch.length > 0) await flushInvalid();
    for (const h of placing?.rest() ?? []) current.add(h.row, h.prev);
    for (const chunk of [...flight.sending, ...pendingJobs, { runId, index: chunkIndex, ...current.take() }])
      if (chunk.rows.length > 0) await cancelRows(store, manifest, chunk, reason);
    await store.saveProducerPosition(runId, read, queued, true, blankLines());
    // The rest of the file is not part of the run: said in numbers in its summary, not left to be guessed.
    await store.markCutShort(runId, read);
    return { runId, rows: read, invalid, chunks: queued, alreadyQueued: false, resumed: !created, cancelled: true };
  }
  const moved = await transport.changedWhileRead();
  const changed = moved ? `${moved}; run ${runId} holds the ${read} rows as they were read: for a finished export, queue it again under a new --run-id` : undefined;
  return {
    runId,
    rows: read,
    invalid,
    chunks: chunkIndex,
    alreadyQueued: false,
    resumed: !created,
    ...(changed ? { inputChanged: changed } : {}),
    ...(await pausedBy()),
  };
}
