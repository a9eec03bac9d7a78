/**
 * The public API of connect-backfill: what a program embedding the tool may use
 * (the command line is built on the same). Everything not named here is internal
 * and may change without notice; test/api.test.ts holds this list.
 */

// Configuration, as the command line reads it (flags, environment, defaults).
export { loadConfig, type Config, type ConfigFlags } from "./config/loadConfig.js";
export { ConfigError } from "./config/ConfigError.js";

// Runs: each returns a result; errors a person should read are AppError (one sentence).
export { openContext, type AppContext } from "./app/context.js";
export { runFile, runQueued, type RunFileOptions, type RunFileResult } from "./app/runFile.js";
export { retryRun, type RetryOptions, type RetryResult } from "./app/retryRun.js";
export { rollbackRun, type RollbackOptions, type RollbackResult } from "./app/rollbackRun.js";
export { dryRunFile } from "./app/dryRun.js";
export { resumeRun } from "./app/resumeRun.js";
export { cancelRun, type CancelResult } from "./app/cancelRun.js";
export { pruneRuns } from "./app/pruneRuns.js";
export { workQueue, type WorkOptions } from "./app/workQueue.js";
export { runStatus, listRuns, type RunStatus, type RunList } from "./app/status.js";
export { writeRunReport } from "./app/report.js";
export { followRun } from "./app/followRun.js";
export { AppError, RunNotFoundError } from "./app/AppError.js";

// Operations: what a row becomes, and the call that applies it.
export { OPERATION_NAMES, type Operation, type OperationName, type Fields } from "./operations/Operation.js";
export { operationNamed } from "./operations/registry.js";
export { checkRecord } from "./operations/checkRecord.js";
export type { ContactRow, RowCheck } from "./operations/ContactRow.js";

// Input files, format only.
export { openSource, formatOf, type Source, type SourceShape, type InputFormat } from "./input/openSource.js";
export { InputFileError, MissingInstanceIdError } from "./input/InputFileError.js";
export type { SourceRecord } from "./input/SourceRecord.js";

// The worker, for programs that run one themselves.
export { BackfillWorker, type BackfillWorkerOptions, type WorkerEvents } from "./worker/BackfillWorker.js";
export { createConnectClient, type ConnectClientOptions } from "./connect/createConnectClient.js";
export { RedisUnavailableError } from "./queue/redisConnection.js";
export { RedisRefusedError } from "./queue/redisTrouble.js";

// Outcomes and reports.
export { STATUSES, type Outcome, type OutcomeStatus } from "./domain/Outcome.js";
export type { RunSummary } from "./domain/RunSummary.js";
export type { ReportFiles } from "./report/writeReportFiles.js";

// The local Connect stand-in.
export { ConnectSimulator, type ConnectSimulatorOptions } from "./simulator/index.js";

export { main } from "./cli/main.js";
