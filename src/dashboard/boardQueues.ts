import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type { Router } from "express";
import type { AppContext } from "../app/context.js";
import { SCHEDULES_QUEUE } from "../queue/JobSchedules.js";
import { queueOfManifest } from "../queue/RunQueues.js";

export interface BoardOptions {
  /** Where bull-board is mounted: its pages load their assets from under it. */
  readonly basePath: string;
  /** Writable queues (retry, clean, pause...); read-only otherwise. */
  readonly allowActions: boolean;
  /** Runs whose queues are shown, newest first. */
  readonly limit: number;
}

/**
 * A job's data is its rows, and rows are customer data: the board shows what a
 * chunk is (run, index, how many rows), never what it carries.
 */
export function summariseJobData(data: unknown): unknown {
  if (data === null || typeof data !== "object") return data === undefined ? undefined : { value: typeof data };
  const d = data as Record<string, unknown>;
  if (Array.isArray(d.rows)) return { runId: d.runId, index: d.index, rows: d.rows.length };
  // A schedule's due time: the job it runs (a name and a file path, never rows).
  if (typeof d.jobFile === "string" || typeof d.name === "string") return { name: d.name, jobFile: d.jobFile, runId: d.runId };
  return { fields: Object.keys(d).length };
}

/** Counts and flags only: a processor's return value is not meant to carry rows, but it is not shown if it does. */
export function summariseReturnValue(value: unknown): unknown {
  if (typeof value === "number" || typeof value === "boolean" || value === null || value === undefined) return value;
  if (typeof value !== "object") return { value: typeof value };
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([, v]) => typeof v === "number" || typeof v === "boolean"));
}

/** The queue names the board shows: each known run's queue, and the job schedules' queue. */
export async function boardQueueNames(ctx: AppContext, limit: number): Promise<string[]> {
  const names = new Set<string>();
  for (const runId of await ctx.store.list(limit)) {
    const m = await ctx.store.manifest(runId);
    if (m) names.add(queueOfManifest(m));
  }
  names.add(SCHEDULES_QUEUE);
  return [...names].sort();
}

/** bull-board on the project's queues; `refresh` picks up runs queued since (and drops pruned ones). */
export async function openBoard(ctx: AppContext, opts: BoardOptions): Promise<{ router: Router; refresh: () => Promise<void> }> {
  const adapters = new Map<string, BullMQAdapter>();
  const adapterOf = (name: string): BullMQAdapter => {
    let a = adapters.get(name);
    if (!a) {
      a = new BullMQAdapter(ctx.queues.named(name), { readOnlyMode: !opts.allowActions, allowRetries: opts.allowActions });
      a.setFormatter("data", summariseJobData);
      a.setFormatter("returnValue", summariseReturnValue);
      adapters.set(name, a);
    }
    return a;
  };
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(opts.basePath);
  let shown = await boardQueueNames(ctx, opts.limit);
  const board = createBullBoard({
    queues: shown.map(adapterOf),
    serverAdapter,
    options: { uiConfig: { boardTitle: "connect-backfill", miscLinks: [{ text: "Runs", url: "/" }] } },
  });
  return {
    router: serverAdapter.getRouter() as Router,
    async refresh() {
      const names = await boardQueueNames(ctx, opts.limit);
      if (names.join("\n") === shown.join("\n")) return;
      board.replaceQueues(names.map(adapterOf));
      for (const name of adapters.keys()) if (!names.includes(name)) adapters.delete(name);
      shown = names;
    },
  };
}
