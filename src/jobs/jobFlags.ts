import { resolve } from "node:path";
import { JOB_OPTION_KEYS } from "../config/options.js";
import { isS3Url } from "../lib/s3Url.js";
import type { JobFile } from "./JobFile.js";

/**
 * The job's values under their flag names, typed as the argument parser types
 * them; paths (`reportsDir`) made absolute against `dir`. The CLI merges these
 * under its own flags (the command line wins over the job; the job over the
 * environment and the defaults). `input`, `columns`/`constants` (the mapping),
 * `schedule` and `timezone` are the job's own, no flags.
 */
export function jobFlags(job: JobFile, dir: string): Record<string, string | number | boolean> {
  const flags: Record<string, string | number | boolean> = {};
  const values = job as unknown as Readonly<Record<string, string | number | boolean | undefined>>;
  for (const { jobKey, flag, path } of JOB_OPTION_KEYS) {
    const value = values[jobKey];
    if (value === undefined) continue;
    // An S3 URL (reports in a bucket) is no path to make absolute.
    flags[flag] = path && !isS3Url(String(value)) ? resolve(dir, String(value)) : value;
  }
  return flags;
}
