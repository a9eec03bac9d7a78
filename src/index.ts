/**
 * The public API of connect-backfill: what the CLI calls, and what a program
 * embedding the tool may use. Everything else is internal.
 */
export { loadConfig, type Config, type ConfigFlags } from "./config/loadConfig.js";
export { ConfigError } from "./config/ConfigError.js";

export { openSource, formatOf, type Source, type SourceShape, type InputFormat } from "./input/openSource.js";
export { checkRecord } from "./input/checkRecord.js";
export { validateRow } from "./input/validateRow.js";
export { parseTimestamp } from "./input/parseTimestamp.js";
export { LIMITS } from "./input/limits.js";
export { InputFileError } from "./input/InputFileError.js";
export type { ContactRow, RowCheck } from "./input/ContactRow.js";
export type { SourceRecord } from "./input/SourceRecord.js";

export { keysFor, type Keys } from "./queue/keys.js";
export { connectRedis, RedisUnavailableError } from "./queue/redisConnection.js";
export { checkRedis } from "./queue/checkRedis.js";
export { RunStore, type RunManifest, type RunProgress } from "./queue/RunStore.js";
export { enqueueFile, newRunId, type EnqueueOptions, type EnqueueResult } from "./queue/enqueueFile.js";
export { drainOutcomes } from "./queue/drainOutcomes.js";
export { requeueRun } from "./queue/requeueRun.js";

export { BackfillWorker, type BackfillWorkerOptions } from "./worker/BackfillWorker.js";
export { sendRow, type SendPolicy, type SendResult } from "./worker/sendRow.js";

export { createConnectClient, type ConnectClientOptions } from "./connect/createConnectClient.js";
export { classifyError, type ClassifiedError, type ErrorKind } from "./connect/classifyError.js";

export { RateGovernor, type RateGovernorOptions } from "./rate/RateGovernor.js";
export { backoffDelay, type BackoffOptions } from "./rate/backoff.js";

export { STATUSES, type Outcome, type OutcomeStatus } from "./report/Outcome.js";
export { writeReportFiles, summarise, type RunInfo, type ReportFiles } from "./report/writeReportFiles.js";
export { OutcomeSpool } from "./report/OutcomeSpool.js";
export { neutralise } from "./report/spreadsheetSafe.js";
export type { RunSummary } from "./report/RunSummary.js";

export { ConnectSimulator, type ConnectSimulatorOptions } from "./simulator/index.js";
export { createLogger } from "./log/createLogger.js";

export { runFile, type RunFileOptions, type RunFileResult } from "./app/runFile.js";
export { writeRunReport, followOutcomes } from "./app/report.js";
export { runStatus, type RunStatus } from "./app/status.js";
export { main } from "./cli/main.js";
