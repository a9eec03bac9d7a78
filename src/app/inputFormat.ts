import type { Config } from "../config/loadConfig.js";
import type { ColumnMapping } from "../input/columnRoles.js";
import { formatOf, type InputFormat } from "../input/openSource.js";
import { columnMappingOf } from "../jobs/columnMapping.js";
import type { LoadedJob } from "../jobs/JobFile.js";

// Light on purpose (no Redis, no SDK): `run` and `enqueue` judge their input before anything is loaded or touched.
export type { ColumnMapping, InputFormat };

/** The file's format, from --format or its name's extension: a bad one is said before Redis is touched. */
export function inputFormat(file: string, config: Config): InputFormat {
  return formatOf(file, config.format);
}

/** A job's CSV column mapping (its `columns` and `constants`), if it has one. */
export function jobMapping(job: LoadedJob | undefined): ColumnMapping | undefined {
  return job ? columnMappingOf(job.job) : undefined;
}
