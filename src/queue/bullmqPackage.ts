import { requirePackage } from "../lib/requirePackage.js";

type BullMQ = typeof import("bullmq");
let loaded: BullMQ | undefined;

/**
 * BullMQ, loaded when a queue or a worker is first opened (~0.15 s): commands that never open one (`status` of
 * a finished run, `history`, `prune` of nothing) do not pay it.
 */
export function bullmq(): BullMQ {
  loaded ??= requirePackage("bullmq") as BullMQ;
  return loaded;
}
