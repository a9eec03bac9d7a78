import { lazyPackage } from "../lib/requirePackage.js";

/**
 * BullMQ, loaded when a queue or a worker is first opened (~0.15 s): commands that never open one (`status` of
 * a finished run, `history`, `prune` of nothing) do not pay it.
 */
export const bullmq = lazyPackage<typeof import("bullmq")>("bullmq");
