/** Public surface of the local Amazon Connect simulator. */
export { ConnectSimulator, type StartedSimulator } from "./ConnectSimulator.js";
export type { ConnectSimulatorOptions } from "./options.js";
export type { AcceptedUpdate } from "./adminApi.js";
export { ADMIN_PREFIX } from "./adminApi.js";
export type { ContactSeed, Operation } from "./ContactStore.js";
export { API_RELEASE, MISSING_PREFIX } from "./ContactStore.js";
export { FAULTS, isFault, SimulatorConfigError, type ErrorCode, type Fault } from "./errors.js";
export type { OperationStats, SimulatorStats, TimelineEntry } from "./StatsRecorder.js";
export { TokenBucket, defaultBurst, type Clock } from "./TokenBucket.js";
export { LIMITS, validateUpdate, type ValidUpdate, type ValidationResult } from "./validateUpdate.js";
