import type { ConnectClient } from "@aws-sdk/client-connect";
import type { LimitFunction } from "p-limit";
import type { ChunkJobData } from "../queue/ChunkJob.js";
import type { ChunkDecoder } from "../queue/decodeChunk.js";
import type { RunManifest, RunStore, SendFlag } from "../queue/RunStore.js";
import type { RateGovernor } from "../rate/RateGovernor.js";
import type { Outcome } from "../report/Outcome.js";
import { preApiMessage, startedBeforeApi } from "./ageCheck.js";
import type { OutcomeWriter } from "./OutcomeWriter.js";
import { sendRow, type SendPolicy } from "./sendRow.js";

export interface ChunkContext {
  readonly store: RunStore;
  readonly writer: OutcomeWriter;
  readonly governor: RateGovernor;
  readonly client: ConnectClient;
  /** Shared by every chunk of this process: the process's in-flight call budget. */
  readonly limit: LimitFunction;
  readonly policy: SendPolicy;
  /** Fires on shutdown: calls in flight are cancelled and their rows handed back. */
  readonly signal: AbortSignal;
  readonly runFor: (runId: string) => Promise<{ manifest: RunManifest; decoder: ChunkDecoder } | undefined>;
  readonly onOutcome?: (o: Outcome) => void;
  /** Every call's result, for live figures and the report's timeline. */
  readonly onAttempt?: (runId: string, throttled: boolean) => void;
  /** Row-level debug logs: ids and codes only, never attribute values (customer data). */
  readonly log?: { debug: (obj: object, msg: string) => void };
}

/**
 * `done`: every row has an outcome. `parked`: the run was stopped (circuit
 * breaker); the chunk waits in the run's parked list for `resume`. `handback`:
 * shutdown came first; rows without an outcome go back to the queue.
 */
export type ChunkResult = "done" | "parked" | "handback" | "unknown-run";

export async function processChunk(data: ChunkJobData, ctx: ChunkContext): Promise<ChunkResult> {
  const run = await ctx.runFor(data.runId);
  if (!run) return "unknown-run";
  const { manifest, decoder } = run;
  if ((await ctx.store.state(data.runId)).state === "stopped") {
    await ctx.store.park(data);
    return "parked";
  }
  await ctx.store.markStarted(data.runId, Date.now());
  // After a crash the chunk runs again: rows that already have an outcome are not sent twice.
  const finished = await ctx.store.finished(
    data.runId,
    data.rows.map(([line]) => line),
  );
  let stopped = false;
  let handback = false;
  const onAttempt = ctx.onAttempt ? (throttled: boolean) => ctx.onAttempt?.(data.runId, throttled) : undefined;

  const one = async (row: ChunkJobData["rows"][number]): Promise<void> => {
    if (stopped || handback || ctx.signal.aborted) {
      handback ||= !stopped;
      return;
    }
    const { line, check, original } = decoder.decode(row);
    const base = { line, errorCode: "", httpStatus: undefined, message: "", attempts: 0, throttles: 0, original: undefined };
    let outcome: Outcome;
    let flag: SendFlag = 0;
    if (!check.ok) {
      outcome = { ...base, contactId: "", instanceId: "", status: "invalid", errorCode: check.code, message: `line ${line} ${check.reason}`, finishedAt: Date.now(), original };
    } else if (startedBeforeApi(check.row.initiationTimestamp, manifest.minContactDate)) {
      const r = check.row;
      outcome = {
        ...base,
        contactId: r.contactId,
        instanceId: r.instanceId,
        status: "skipped_pre_api",
        errorCode: "ContactBeforeApi",
        message: preApiMessage(line, r.initiationTimestamp as number, manifest.minContactDate),
        finishedAt: Date.now(),
      };
    } else {
      const r = check.row;
      const res = await sendRow(
        { client: ctx.client, governor: ctx.governor, policy: ctx.policy, signal: ctx.signal, ...(onAttempt ? { onAttempt } : {}) },
        { instanceId: r.instanceId, contactId: r.contactId, attributes: r.attributes },
        line,
      );
      if (res.kind === "handback") {
        handback = true;
        return;
      }
      flag = res.permanent ? 2 : 1;
      outcome = {
        line,
        contactId: r.contactId,
        instanceId: r.instanceId,
        status: res.status,
        errorCode: res.errorCode,
        httpStatus: res.httpStatus,
        message: res.message,
        attempts: res.attempts,
        throttles: res.throttles,
        finishedAt: Date.now(),
        original: res.status === "failed" ? original : undefined,
        ...(res.status === "failed" && !res.permanent ? { retryable: true } : {}),
      };
    }
    if (outcome.status !== "updated") {
      ctx.log?.debug({ runId: data.runId, line, contactId: outcome.contactId, status: outcome.status, errorCode: outcome.errorCode, httpStatus: outcome.httpStatus }, "row not updated");
    }
    // Written outside the call budget: the next call need not wait for Redis.
    writes.push(
      ctx.writer.add(data.runId, { outcome, flag }).then((state) => {
        ctx.onOutcome?.(outcome);
        if (state === "stopped") stopped = true;
      }),
    );
  };

  const writes: Array<Promise<void>> = [];
  await Promise.all(data.rows.filter(([line]) => !finished.has(line)).map((row) => ctx.limit(() => one(row))));
  // The chunk completes only once every outcome is durable.
  await Promise.all(writes);
  if (stopped) {
    await ctx.store.park(data);
    return "parked";
  }
  return handback ? "handback" : "done";
}
