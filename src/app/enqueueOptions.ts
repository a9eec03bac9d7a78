import type { Config } from "../config/loadConfig.js";
import type { InputFormat } from "../input/openSource.js";
import type { EnqueueOptions } from "../queue/enqueueFile.js";
import type { BreakerSettings } from "../domain/breaker.js";

// Its own file, apart from workerFor: `enqueue` must not load the worker and the AWS SDK.
/** What `enqueue` and `run` pass to the producer, from the command's config. */
export function enqueueOptions(config: Config, path: string, format: InputFormat, parentRunId?: string): EnqueueOptions {
  return {
    path,
    format,
    runId: config.runId,
    instanceId: config.instanceId,
    delimiter: config.delimiter,
    minContactDate: config.minContactDate,
    operation: config.operation,
    ...(config.jobName ? { job: { name: config.jobName, onlyChanged: config.onlyChanged, notify: config.notify }, forget: config.forget } : {}),
    chunkSize: config.chunkSize,
    // Outcomes wait in Redis for a report writer too: at most twice the rows' window of them (100,000 by default).
    window: { rows: config.queueWindow, outcomes: config.queueWindow * 2 },
    parentRunId,
    breaker: breakerSettings(config),
    maxContactAge: config.maxContactAge,
    target: config.target,
    rate: config.rate,
    safety: {
      dryRun: config.dryRun,
      canary: config.canary,
      captureBefore: config.captureBefore,
      lookupStartTime: config.lookupStartTime,
      followInitial: config.followInitial,
    },
  };
}

export function breakerSettings(config: Config): BreakerSettings {
  return { window: config.breakerWindow, ratio: config.breakerRatio, auth: config.breakerAuth, consecutive: config.breakerConsecutive, ignore: config.breakerIgnore };
}
