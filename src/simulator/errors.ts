/**
 * The error vocabulary of the simulator. Codes and statuses mirror what Amazon Connect sends (see
 * shared/reference/connect-api.md and the `error.httpStatusCode` of each exception shape in the service
 * model) because the SDK maps `x-amzn-errortype` to its exception classes and the retry strategy
 * classifies by status and name: a wrong status here would test the wrong retry path.
 */

export type ErrorCode =
  | "InvalidRequestException"
  | "InvalidParameterException"
  | "InvalidActiveRegionException"
  | "AccessDeniedException"
  | "ConflictException"
  | "UnrecognizedClientException"
  | "ExpiredTokenException"
  | "InvalidSignatureException"
  | "ResourceNotFoundException"
  | "ThrottlingException"
  | "InternalServiceException"
  | "UnknownOperationException";

const STATUS: Record<ErrorCode, number> = {
  InvalidRequestException: 400,
  InvalidParameterException: 400,
  InvalidActiveRegionException: 400,
  AccessDeniedException: 403,
  ConflictException: 409,
  // The three below are not in the Connect model: AWS's front door sends them for bad credentials,
  // always as 403 with the code in x-amzn-errortype.
  UnrecognizedClientException: 403,
  ExpiredTokenException: 403,
  InvalidSignatureException: 403,
  ResourceNotFoundException: 404,
  ThrottlingException: 429,
  InternalServiceException: 500,
  UnknownOperationException: 404,
};

/** An error answer: sent as status + `x-amzn-errortype` + `{"Message": ...}`. */
export interface ServiceError {
  readonly status: number;
  readonly code: ErrorCode;
  readonly message: string;
}

export function serviceError(code: ErrorCode, message: string): ServiceError {
  return { status: STATUS[code], code, message };
}

/**
 * Injectable failures. Numbers are HTTP statuses; 502/503/504 imitate a load balancer in front of the
 * service (HTML body, no error type) because that is the case where the SDK only has the status to go on.
 * Named faults answer with that service error. "SignatureExpired" is an InvalidSignatureException whose
 * message starts "Signature expired", the one 403 the SDK's standard retry mode treats as transient
 * (@smithy/core isTransientError); the plain InvalidSignatureException, ExpiredTokenException and
 * AccessDeniedException are client errors it never retries.
 */
export type Fault =
  | 500
  | 502
  | 503
  | 504
  | 429
  | "reset"
  | "timeout"
  | "ExpiredTokenException"
  | "InvalidSignatureException"
  | "SignatureExpired"
  | "AccessDeniedException"
  | "ConflictException"
  | "InvalidActiveRegionException";

export const FAULTS: readonly Fault[] = [
  500,
  502,
  503,
  504,
  429,
  "reset",
  "timeout",
  "ExpiredTokenException",
  "InvalidSignatureException",
  "SignatureExpired",
  "AccessDeniedException",
  "ConflictException",
  "InvalidActiveRegionException",
];

export function isFault(value: unknown): value is Fault {
  return (FAULTS as readonly unknown[]).includes(value);
}

/** Thrown for bad simulator options or bad admin requests (a programming error, not a service answer). */
export class SimulatorConfigError extends Error {
  override readonly name = "SimulatorConfigError";
}
