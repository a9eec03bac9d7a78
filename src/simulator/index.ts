/** Public surface of the local Amazon Connect simulator. */
export { ConnectSimulator, type StartedSimulator } from "./ConnectSimulator.js";
export type { ConnectSimulatorOptions } from "./options.js";
export {
  AcceptedLog,
  DEFAULT_ACCEPTED_LOG_LIMIT,
  type AcceptedSummary,
  type AcceptedUpdate,
  type CallCounts,
} from "./AcceptedLog.js";
export { ADMIN_PREFIX } from "./adminApi.js";
export type {
  ContactEndpoint,
  ContactSeed,
  ContactSnapshot,
  Reference,
  SegmentAttributeValue,
} from "./ContactStore.js";
export { API_RELEASE, MISSING_PREFIX } from "./ContactStore.js";
export { FAULTS, isFault, SimulatorConfigError, type ErrorCode, type Fault } from "./errors.js";
export { isExternalAudio } from "./handlers/updateContact.js";
export {
  CHANNELS,
  CONTACT_LIMITS,
  INITIATION_METHODS,
  OPERATIONS,
  REFERENCE_TYPES,
  type Channel,
  type InitiationMethod,
  type Operation,
  type UpdateOperation,
} from "./model.js";
export type { QuotaSetting, QuotaState } from "./Quotas.js";
export type { OperationStats, SimulatorStats, TimelineEntry } from "./StatsRecorder.js";
export { TokenBucket, defaultBurst, type Clock } from "./TokenBucket.js";
export { LIMITS, validateUpdate, type ValidUpdate, type ValidationResult } from "./validateUpdate.js";
export {
  validateUpdateContact,
  type ContactUpdateResult,
  type ValidContactUpdate,
} from "./validateUpdateContact.js";
