/**
 * The error vocabulary of the simulator. Codes and statuses mirror what Amazon Connect sends (see
 * shared/reference/connect-api.md) because the SDK maps `x-amzn-errortype` to its exception classes and
 * the retry strategy classifies by status: a wrong status here would test the wrong retry path.
 */

export type ErrorCode =
  | "InvalidRequestException"
  | "InvalidParameterException"
  | "AccessDeniedException"
  | "UnrecognizedClientException"
  | "ResourceNotFoundException"
  | "ThrottlingException"
  | "InternalServiceException"
  | "UnknownOperationException";

const STATUS: Record<ErrorCode, number> = {
  InvalidRequestException: 400,
  InvalidParameterException: 400,
  AccessDeniedException: 403,
  UnrecognizedClientException: 403,
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
 */
export type Fault = 500 | 502 | 503 | 504 | 429 | "reset" | "timeout";

export const FAULTS: readonly Fault[] = [500, 502, 503, 504, 429, "reset", "timeout"];

export function isFault(value: unknown): value is Fault {
  return (FAULTS as readonly unknown[]).includes(value);
}

/** Thrown for bad simulator options or bad admin requests (a programming error, not a service answer). */
export class SimulatorConfigError extends Error {
  override readonly name = "SimulatorConfigError";
}
