import { loadConfig, type Config, type ConfigFlags } from "../config/loadConfig.js";
import type { LoadedJob } from "../jobs/JobFile.js";
import { jobFlags } from "../jobs/jobFlags.js";
import { loadJob } from "../jobs/loadJob.js";

export type { LoadedJob };

/** A job file given as a command's first argument: loaded and checked, its flags under the command line's. */
export async function openJobFile(
  path: string,
  commandLine: Record<string, string | number | boolean>,
): Promise<{ job: LoadedJob; flags: Record<string, string | number | boolean> }> {
  const job = await loadJob(path, { missingInput: "say" });
  return { job, flags: flagsWithJob(job, commandLine) };
}

/**
 * The flags a job file gives, under the command line's own: the command line
 * wins over the job file, which wins over the environment and the defaults
 * (loadConfig reads flags first).
 */
export function flagsWithJob(loaded: LoadedJob, commandLine: Record<string, string | number | boolean>): Record<string, string | number | boolean> {
  return {
    ...jobFlags(loaded.job, loaded.dir),
    ...commandLine,
  };
}

/** A scheduled run's configuration: the job file's, on the Redis (URL and prefix) of the process that runs it. */
export function scheduledJobConfig(loaded: LoadedJob, base: Config, env: NodeJS.ProcessEnv = process.env): Config {
  const flags = flagsWithJob(loaded, { "redis-url": base.redisUrl, prefix: base.prefix, "log-level": base.logLevel });
  return loadConfig(flags as ConfigFlags, env, { interactive: false });
}
