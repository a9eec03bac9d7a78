/** What the worker does with an error: the one table that decides retry vs give up. */
export type ErrorKind = "throttled" | "transient" | "permanent" | "aborted";

export interface ClassifiedError {
  readonly kind: ErrorKind;
  /** Stable code for reports: the service's error type, or one of ours (Timeout, ConnectionReset, HTTP503...). */
  readonly code: string;
  readonly httpStatus: number | undefined;
  readonly message: string;
  /** From a Retry-After header, when the service sent one. */
  readonly retryAfterMs: number | undefined;
  /**
   * The credentials were refused or could not be had (401/403, expired or revoked
   * keys, bad signature, no credential source): no row will pass until someone fixes
   * them, so the circuit breaker stops after a handful, and `retry` takes the rows.
   */
  readonly credentials?: true;
}

const CREDENTIAL_NAMES = new Set([
  "UnrecognizedClientException",
  "ExpiredTokenException",
  "ExpiredToken",
  "AccessDeniedException",
  "AccessDenied",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "InvalidClientTokenId",
  "IncompleteSignatureException",
  "MissingAuthenticationTokenException",
  "UnauthorizedException",
  // Raised by the SDK itself when no credential source answers.
  "CredentialsProviderError",
  "TokenProviderError",
]);

const TRANSIENT_STATUS = new Set([500, 502, 503, 504]);
const NETWORK_CODES: Record<string, string> = {
  ECONNRESET: "ConnectionReset",
  EPIPE: "ConnectionReset",
  ECONNREFUSED: "ConnectionRefused",
  ETIMEDOUT: "Timeout",
  ECONNABORTED: "Timeout",
  EAI_AGAIN: "DnsFailure",
  ENOTFOUND: "DnsFailure",
  EHOSTUNREACH: "NetworkUnreachable",
  ENETUNREACH: "NetworkUnreachable",
};
/** Codes that mean the request may not have been answered at all: worth another try. */
const TRANSIENT_NAMES = new Set([
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "ServiceUnavailable",
  "InternalServiceException",
  "UnexpectedResponse",
]);
const THROTTLE_NAMES = new Set(["ThrottlingException", "TooManyRequestsException", "Throttling", "LimitExceededException"]);

interface SdkLikeError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  /** Set on errors the service sent (client/server); absent on parse and network errors. */
  $fault?: string;
  $response?: { statusCode?: number; headers?: Record<string, string | undefined> };
  cause?: unknown;
}

function retryAfter(headers: Record<string, string | undefined> | undefined): number | undefined {
  const value = headers?.["retry-after"] ?? headers?.["Retry-After"];
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** A request that timed out was sent: the service may have applied it. `retry` takes such rows. */
function updateMayHaveApplied(message: string): string {
  return `${message}; the update may have been applied (no answer came)`;
}

/** Pure: maps whatever the SDK or the socket threw to one of four kinds. */
export function classifyError(err: unknown, opts: { readonly write?: boolean } = {}): ClassifiedError {
  const mayHaveApplied = opts.write === false ? (m: string) => m : updateMayHaveApplied;
  const e = (err ?? {}) as SdkLikeError;
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  const message = (e.message ?? String(err)).slice(0, 500);
  const name = e.name ?? "Error";
  const base = { httpStatus: status, message, retryAfterMs: retryAfter(e.$response?.headers) };
  if (name === "AbortError") return { ...base, kind: "aborted", code: "Aborted" };
  if (status === 429 || THROTTLE_NAMES.has(name)) return { ...base, kind: "throttled", code: "ThrottlingException" };
  if (status !== undefined && TRANSIENT_STATUS.has(status)) {
    // A gateway's HTML 503 makes the SDK throw a parse error (SyntaxError): name the status, not that.
    const serviceCode = e.$fault !== undefined && name && !["Error", "Unknown", "SyntaxError"].includes(name) && !name.startsWith("ConnectServiceException");
    // A gateway's HTML page makes the SDK report its JSON parser's complaint: say what happened instead.
    const notJson = name === "SyntaxError" || /deserializ|JSON|Unexpected token/i.test(message);
    return {
      ...base,
      kind: "transient",
      code: serviceCode ? name : `HTTP${status}`,
      ...(!serviceCode && notJson ? { message: `HTTP ${status} from the endpoint (the body was not JSON)` } : {}),
    };
  }
  if (CREDENTIAL_NAMES.has(name) || status === 401 || status === 403) {
    return { ...base, kind: "permanent", code: name === "Error" ? `HTTP${status ?? ""}` : name, credentials: true };
  }
  if (status !== undefined && status >= 300 && status < 400) {
    // The SDK follows no redirect: a proxy or a wrong --endpoint. Every row would get the same; say where it points.
    const location = e.$response?.headers?.location ?? e.$response?.headers?.Location;
    const where = location ? `a redirect to ${location.slice(0, 200)}` : "a redirect with no Location";
    return {
      ...base,
      kind: "permanent",
      code: "Redirected",
      message: `the endpoint answered HTTP ${status}, ${where}; redirects are not followed: set --endpoint (or AWS_ENDPOINT_URL_CONNECT) to the service's own address`,
    };
  }
  if (status !== undefined && status >= 400) return { ...base, kind: "permanent", code: name === "Error" ? `HTTP${status}` : name };
  const sysCode = e.code ?? (e.cause as SdkLikeError | undefined)?.code;
  if (sysCode?.startsWith("HPE_")) {
    // Node's HTTP parser refused the answer (not HTTP: another protocol on the port, a broken proxy). The request
    // went out, so it may have been applied; like a reset, it is worth another try.
    return { ...base, kind: "transient", code: "NotHttp", message: mayHaveApplied(`the endpoint's answer is not HTTP (${message})`) };
  }
  if (sysCode && NETWORK_CODES[sysCode]) {
    const code = NETWORK_CODES[sysCode] as string;
    return { ...base, kind: "transient", code, ...(code === "Timeout" ? { message: mayHaveApplied(message) } : {}) };
  }
  if (TRANSIENT_NAMES.has(name)) {
    const timeout = name === "TimeoutError" || name === "RequestTimeout";
    return { ...base, kind: "transient", code: timeout ? "Timeout" : name, ...(timeout ? { message: mayHaveApplied(message) } : {}) };
  }
  // No HTTP answer and not a known network fault: missing region or credentials,
  // a bad endpoint URL... Retrying cannot help; the circuit breaker stops the run.
  return { ...base, kind: "permanent", code: name };
}
