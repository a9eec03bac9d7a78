import { randomBytes } from "node:crypto";

/**
 * A temporary name beside `path`, unique to this write: two report writers on
 * one run (a `report` while `run` follows it) must never rename each other's
 * half-written file away (a fixed `.tmp` name failed 7 times in 10 that way).
 */
export function tmpPath(path: string): string {
  return `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
}
