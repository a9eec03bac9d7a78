import { resolve } from "node:path";
import type { JobFile } from "./JobFile.js";

/**
 * Job keys → the command line's flag names. The CLI merges these under its own
 * flags (the command line wins over the job; the job over the environment and
 * the defaults). `input`, `columns`/`constants` (the mapping), `schedule`,
 * `timezone` and `notify` are no flags.
 */
export const JOB_FLAGS = {
  name: "job-name",
  instanceId: "instance-id",
  operation: "operation",
  format: "format",
  delimiter: "delimiter",
  onlyChanged: "only-changed",
  dryRun: "dry-run",
  canary: "canary",
  captureBefore: "capture-before",
  lookupStartTime: "lookup-start-time",
  followInitial: "follow-initial",
  rate: "rate",
  headroom: "headroom",
  concurrency: "concurrency",
  chunkSize: "chunk-size",
  maxContactAge: "max-contact-age",
  minContactDate: "min-contact-date",
  endpoint: "endpoint",
  region: "region",
  reportsDir: "reports-dir",
} as const satisfies Partial<Record<keyof JobFile, string>>;

/** The job's values under their flag names, typed as the argument parser types them; `reportsDir` made absolute against `dir`. */
export function jobFlags(job: JobFile, dir: string): Record<string, string | number | boolean> {
  const flags: Record<string, string | number | boolean> = {};
  for (const [key, flag] of Object.entries(JOB_FLAGS) as Array<[keyof typeof JOB_FLAGS, string]>) {
    const value = job[key];
    if (value === undefined) continue;
    flags[flag] = key === "reportsDir" ? resolve(dir, value as string) : value;
  }
  return flags;
}
