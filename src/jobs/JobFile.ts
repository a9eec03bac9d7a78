import type { ColumnSpec } from "../input/columnRoles.js";
import type { JobOptionValues } from "../config/options.js";
import type { NightGuards } from "../domain/run/nightGuards.js";

/**
 * A job file (`jobs/<name>.json`) as validated against job.schema.json: the keys as written, paths unresolved.
 * The keys that are options (rate, canary, reportsDir...) come from config/options.ts; these are the job's own.
 */
export interface JobFile extends JobOptionValues {
  /** For editors: the schema the file follows; ignored. */
  readonly $schema?: string;
  /** 1–64 of A-Z a-z 0-9 _ - . and not only digits or dots: it becomes part of Redis keys (the job-name option). */
  readonly name: string;
  /** The input file, relative to the job file's folder; `*` and `?` in its last segment pick the newest match. */
  readonly input: string;
  /** CSV only: source header → role or field name, null (dropped) or { to, trim, case }. */
  readonly columns?: Readonly<Record<string, ColumnSpec>>;
  /** CSV only: fields added to every row that leaves them empty. */
  readonly constants?: Readonly<Record<string, string | number | boolean>>;
  /** Bounds on a night, judged over its input before anything is sent: a breach makes the run paused (exit 4). */
  readonly guards?: NightGuards;
  /** Five-field cron expression, for a scheduler; not used by `run`. */
  readonly schedule?: string;
  /** IANA time zone of `schedule` (default UTC). */
  readonly timezone?: string;
}

/** What loadJob gives: the job, where it lives, and the input file it resolved to. */
export interface LoadedJob {
  readonly job: JobFile;
  /** The job file's folder, absolute: `input` and `reportsDir` are relative to it. */
  readonly dir: string;
  /** The input file, absolute (the newest match when `input` is a pattern). */
  readonly inputPath: string;
  /** When `input` is a pattern: which file it picked among how many, for the log and the summary. */
  readonly inputNote?: string;
  /** When `input` is a pattern that matches no file (and the loader was asked to say so, not throw): the sentence. */
  readonly inputMissing?: string;
}
