import type { RunTarget } from "../domain/run/manifest.js";
import { InputFileError } from "../input/InputFileError.js";
import { inputName, type InputRef } from "../input/InputTransport.js";
import { STDIN } from "../input/transportOf.js";
import { type EarlierNight, judgeNight, type NightCount, type NightGuards, type NightReading } from "../domain/run/nightGuards.js";
import type { CheckedRow } from "../domain/queuedRow.js";
import { emptyFields, type Fields } from "../operations/Operation.js";
import type { ChangeMemory } from "../store/changeMemory.js";
import type { RunStore } from "../store/RunStore.js";
import { contactKey, fingerprint } from "./fieldsFingerprint.js";
import { openRunInput, type RunInputOptions } from "./openRunInput.js";
import { RowChecker } from "./RowChecker.js";

/** Batches of change-memory look-ups in flight at once while the file is read (each is one round trip). */
const LOOKUPS_IN_FLIGHT = 4;
/** Entries of the job's history read for its earlier nights: skipped and not-started times sit between them. */
const HISTORY_READ = 200;

export interface JudgeOptions extends RunInputOptions {
  readonly job: string;
  readonly guards: NightGuards;
  /** Rows a chunk holds: contacts are compared as their rows in a chunk leave them, as workers compare them. */
  readonly chunkSize: number;
  /** Where the run's calls go: the memory of what the job sent there. */
  readonly target: RunTarget;
  /** `--forget`: the memory is started again, so its share means nothing tonight. */
  readonly forget: boolean;
}

/**
 * The producer's judging pass, before the run exists: reads the input once, counting rows and invalid rows
 * (the producer's own row check) and, for valid rows, whether their contact's values differ from what the
 * job's change memory holds (the fingerprints only-changed compares: a contact's rows folded in file order
 * within each chunk's worth of rows), with a few look-ups in flight while reading; then judges the counts
 * against the guards and the job's earlier finished nights. Customer values never leave this function.
 */
export async function judgeInput(store: RunStore, input: InputRef, opts: JudgeOptions): Promise<NightReading> {
  if (inputName(input) === STDIN)
    throw new InputFileError(`job ${opts.job} sets "guards", which read the input once before it is queued; standard input cannot be read twice: give the file.`);
  const memory = opts.forget ? undefined : store.changeMemory(opts.job, opts.target);
  const [tonight, earlier] = await Promise.all([countNight(input, opts, memory), earlierNights(store, opts.job)]);
  return judgeNight(opts.guards, tonight, earlier);
}

/**
 * The job's finished nights that were judged, newest first: a cancelled, stopped or skipped one is no measure of a
 * normal night, nor a file fed in place of the job's export (failures.csv, fixed), which is never judged.
 */
export async function earlierNights(store: RunStore, job: string): Promise<EarlierNight[]> {
  const entries = await store.jobHistory.entries(job, HISTORY_READ);
  return entries.filter((e) => e.event === "finished" && e.judged === true).map((e) => ({ rows: e.rows, changedShare: e.changedShare }));
}

async function countNight(input: InputRef, opts: JudgeOptions, memory: ChangeMemory | undefined): Promise<NightCount> {
  const { source, op } = await openRunInput(input, opts);
  const checker = new RowChecker(source.roles, { instanceId: opts.instanceId }, op, undefined);
  let rows = 0;
  let invalid = 0;
  let valid = 0;
  let changed = 0;
  let known = 0;
  let batch: CheckedRow[] = [];
  const inFlight: Array<Promise<void>> = [];
  const compare = async (rowsOfChunk: readonly CheckedRow[]) => {
    const groups = new Map<string, { contact: string; first: CheckedRow; fold: Fields; rows: number }>();
    for (const r of rowsOfChunk) {
      const contact = contactKey(r.instanceId, r.contactId);
      let g = groups.get(contact);
      if (!g) groups.set(contact, (g = { contact, first: r, fold: emptyFields(), rows: 0 }));
      g.rows++;
      // As a queued row gives its fields back to a worker (domain/queuedRow.ts fieldsOf): a null is no field.
      for (const [k, v] of Object.entries(r.fields)) if (v !== null && v !== undefined) g.fold[k] = v;
    }
    const list = [...groups.values()];
    const answers = await (memory as ChangeMemory).compare(
      list.map((g) => ({ contact: g.contact, fp: fingerprint(g.first.instanceId, g.first.contactId, op.name, g.fold) })),
    );
    list.forEach((g, i) => {
      if (answers[i] !== "same") changed += g.rows;
      if (answers[i] !== "unknown") known += g.rows;
    });
  };
  const flush = async () => {
    if (batch.length === 0) return;
    const lookUp = compare(batch);
    // Awaited below; marked handled now, so a failure while the file is still read is no unhandled rejection.
    lookUp.catch(() => undefined);
    inFlight.push(lookUp);
    batch = [];
    if (inFlight.length >= LOOKUPS_IN_FLIGHT) await inFlight.shift();
  };
  for await (const rec of source.records) {
    rows++;
    const check = checker.check(rec);
    if (!check.ok) {
      invalid++;
      continue;
    }
    valid++;
    if (!memory) continue;
    batch.push(check.row);
    if (batch.length >= opts.chunkSize) await flush();
  }
  await flush();
  await Promise.all(inFlight);
  return { rows, invalid, valid, changed, known, memoryUsed: memory !== undefined };
}
