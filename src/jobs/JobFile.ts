import type { ColumnSpec } from "../input/columnRoles.js";
import type { OperationName } from "../operations/Operation.js";

/** A job file (`jobs/<name>.json`) as validated against job.schema.json: the keys as written, paths unresolved. */
export interface JobFile {
  /** For editors: the schema the file follows; ignored. */
  readonly $schema?: string;
  /** 1–64 of A-Z a-z 0-9 _ - . and not only digits or dots: it becomes part of Redis keys. */
  readonly name: string;
  /** The input file, relative to the job file's folder; `*` and `?` in its last segment pick the newest match. */
  readonly input: string;
  readonly instanceId?: string;
  readonly operation?: OperationName;
  readonly format?: "csv" | "jsonl";
  readonly delimiter?: string;
  /** CSV only: source header → role or field name, null (dropped) or { to, trim, case }. */
  readonly columns?: Readonly<Record<string, ColumnSpec>>;
  /** CSV only: fields added to every row that leaves them empty. */
  readonly constants?: Readonly<Record<string, string | number | boolean>>;
  readonly onlyChanged?: boolean;
  readonly dryRun?: boolean;
  readonly canary?: number;
  readonly captureBefore?: boolean;
  readonly lookupStartTime?: boolean;
  readonly followInitial?: boolean;
  readonly rate?: number;
  readonly headroom?: number;
  readonly concurrency?: number;
  readonly chunkSize?: number;
  readonly maxContactAge?: string;
  readonly minContactDate?: string;
  readonly endpoint?: string;
  readonly region?: string;
  /** Relative to the job file's folder. */
  readonly reportsDir?: string;
  /** Five-field cron expression, for a scheduler; not used by `run`. */
  readonly schedule?: string;
  /** IANA time zone of `schedule` (default UTC). */
  readonly timezone?: string;
  /** An http(s) URL told when a run ends. */
  readonly notify?: string;
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
}
