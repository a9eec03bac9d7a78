/**
 * `done`: every row has an outcome. `parked`: the run was stopped (circuit
 * breaker) or paused; the chunk waits in the run's parked list for `resume`.
 * `handback`: shutdown came first; rows without an outcome go back to the queue.
 * `waiting`: some rows wait for an earlier line of their contact that another
 * chunk has not finished yet; the chunk goes back to the queue for a moment.
 */
export type ChunkResult = "done" | "parked" | "handback" | "waiting" | "unknown-run";
