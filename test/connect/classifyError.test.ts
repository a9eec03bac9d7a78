import { describe, expect, it } from "vitest";
import { classifyError, type ErrorKind } from "../../src/connect/classifyError.js";

/** An error shaped like the AWS SDK v3's service exceptions. */
function sdkError(name: string, status: number | undefined, message = `${name} happened`, headers: Record<string, string> = {}) {
  return Object.assign(new Error(message), {
    name,
    $fault: status !== undefined && status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status, requestId: "req-1", attempts: 1, totalRetryDelay: 0 },
    $response: { statusCode: status, headers },
  });
}

/** A socket error as node raises it. */
function sysError(code: string, message = `connect ${code} 127.0.0.1:443`) {
  return Object.assign(new Error(message), { code, errno: -1, syscall: "read" });
}

describe("classifyError", () => {
  const cases: Array<[name: string, err: unknown, kind: ErrorKind, code: string, httpStatus: number | undefined]> = [
    ["ThrottlingException 429", sdkError("ThrottlingException", 429), "throttled", "ThrottlingException", 429],
    ["any 429 is throttling", sdkError("ConnectServiceException", 429), "throttled", "ThrottlingException", 429],
    ["TooManyRequestsException without status", sdkError("TooManyRequestsException", undefined), "throttled", "ThrottlingException", undefined],
    ["LimitExceededException 429", sdkError("LimitExceededException", 429), "throttled", "ThrottlingException", 429],
    ["InternalServiceException 500", sdkError("InternalServiceException", 500), "transient", "InternalServiceException", 500],
    ["502 unknown type", sdkError("ConnectServiceException", 502), "transient", "HTTP502", 502],
    ["503 with a non-JSON body", sdkError("Unknown", 503), "transient", "HTTP503", 503],
    ["504 plain Error", Object.assign(new Error("gateway timeout"), { $metadata: { httpStatusCode: 504 } }), "transient", "HTTP504", 504],
    ["503 ServiceUnavailable", sdkError("ServiceUnavailable", 503), "transient", "ServiceUnavailable", 503],
    ["InvalidRequestException 400", sdkError("InvalidRequestException", 400), "permanent", "InvalidRequestException", 400],
    ["InvalidParameterException 400", sdkError("InvalidParameterException", 400), "permanent", "InvalidParameterException", 400],
    ["ResourceNotFoundException 404", sdkError("ResourceNotFoundException", 404), "permanent", "ResourceNotFoundException", 404],
    ["AccessDeniedException 403", sdkError("AccessDeniedException", 403), "permanent", "AccessDeniedException", 403],
    ["InvalidActiveRegionException 400", sdkError("InvalidActiveRegionException", 400), "permanent", "InvalidActiveRegionException", 400],
    ["ConflictException 409", sdkError("ConflictException", 409), "permanent", "ConflictException", 409],
    ["501 is not retried", sdkError("ConnectServiceException", 501), "permanent", "ConnectServiceException", 501],
    ["plain Error with a 4xx status", Object.assign(new Error("teapot"), { $metadata: { httpStatusCode: 418 } }), "permanent", "HTTP418", 418],
    ["status only on $response", Object.assign(new Error("busy"), { $response: { statusCode: 503, headers: {} } }), "transient", "HTTP503", 503],
    ["ECONNRESET", sysError("ECONNRESET", "socket hang up"), "transient", "ConnectionReset", undefined],
    ["EPIPE", sysError("EPIPE"), "transient", "ConnectionReset", undefined],
    ["ETIMEDOUT", sysError("ETIMEDOUT"), "transient", "Timeout", undefined],
    ["ECONNREFUSED", sysError("ECONNREFUSED"), "transient", "ConnectionRefused", undefined],
    ["EAI_AGAIN", sysError("EAI_AGAIN"), "transient", "DnsFailure", undefined],
    ["ENOTFOUND", sysError("ENOTFOUND"), "transient", "DnsFailure", undefined],
    ["ENETUNREACH", sysError("ENETUNREACH"), "transient", "NetworkUnreachable", undefined],
    ["socket code on the cause", Object.assign(new Error("fetch failed"), { cause: sysError("ECONNRESET") }), "transient", "ConnectionReset", undefined],
    ["unknown socket code", sysError("EWHATEVER"), "permanent", "Error", undefined],
    ["TimeoutError (smithy socket timeout)", Object.assign(new Error("socket timed out"), { name: "TimeoutError" }), "transient", "Timeout", undefined],
    ["RequestTimeout", Object.assign(new Error("t"), { name: "RequestTimeout" }), "transient", "Timeout", undefined],
    ["RequestTimeoutException", Object.assign(new Error("t"), { name: "RequestTimeoutException" }), "transient", "RequestTimeoutException", undefined],
    ["AbortError", Object.assign(new Error("This operation was aborted"), { name: "AbortError" }), "aborted", "Aborted", undefined],
    ["DOMException AbortError", new DOMException("aborted", "AbortError"), "aborted", "Aborted", undefined],
    ["AbortError with a status", sdkError("AbortError", 500), "aborted", "Aborted", 500],
    [
      "CredentialsProviderError",
      Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }),
      "permanent",
      "CredentialsProviderError",
      undefined,
    ],
    ["missing region", new Error("Region is missing"), "permanent", "Error", undefined],
    ["TypeError (bad endpoint)", new TypeError("Invalid URL"), "permanent", "TypeError", undefined],
    ["a thrown string", "boom", "permanent", "Error", undefined],
    ["undefined", undefined, "permanent", "Error", undefined],
    ["null", null, "permanent", "Error", undefined],
  ];

  it.each(cases)("%s", (_name, err, kind, code, httpStatus) => {
    const c = classifyError(err);
    expect(c.kind).toBe(kind);
    expect(c.code).toBe(code);
    expect(c.httpStatus).toBe(httpStatus);
  });

  it.each([
    ["UnrecognizedClientException", 400],
    ["ExpiredTokenException", 400],
    ["InvalidSignatureException", 400],
    ["AccessDeniedException", 403],
    ["SomethingNew", 401],
  ])("%s (%i) is a credential error: permanent for the row, and the breaker stops after a handful", (name, status) => {
    const c = classifyError(sdkError(name, status));
    expect(c.kind).toBe("permanent");
    expect(c.credentials).toBe(true);
  });

  it("no credential source at all is a credential error too", () => {
    const err = Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" });
    expect(classifyError(err)).toMatchObject({ kind: "permanent", code: "CredentialsProviderError", credentials: true });
  });

  it("a 200 that did not come from the service is transient (retried, then the breaker's no-answer rule)", () => {
    const err = Object.assign(new Error("HTTP 200 that did not come from Amazon Connect (content-type text/html)"), {
      name: "UnexpectedResponse",
      $metadata: { httpStatusCode: 200 },
    });
    expect(classifyError(err)).toMatchObject({ kind: "transient", code: "UnexpectedResponse", httpStatus: 200 });
  });

  it("a redirect is a permanent failure that says where it points (the SDK follows none)", () => {
    const err = Object.assign(new Error("UnknownError"), {
      name: "Unknown",
      $metadata: { httpStatusCode: 301 },
      $response: { statusCode: 301, headers: { location: "https://elsewhere.example.com/contact/attributes" } },
    });
    expect(classifyError(err)).toMatchObject({
      kind: "permanent",
      code: "Redirected",
      httpStatus: 301,
      message:
        "the endpoint answered HTTP 301, a redirect to https://elsewhere.example.com/contact/attributes; redirects are not followed: set --endpoint (or AWS_ENDPOINT_URL_CONNECT) to the service's own address",
    });
    expect(classifyError(sdkError("SyntaxError", 307)).message).toMatch(/^the endpoint answered HTTP 307, a redirect with no Location;/);
  });

  it("an answer that is not HTTP is a transport error: retried, and a write may have been applied", () => {
    const err = Object.assign(new Error("Parse Error: Expected HTTP/, RTSP/ or ICE/"), { code: "HPE_INVALID_CONSTANT", bytesParsed: 0 });
    expect(classifyError(err)).toMatchObject({
      kind: "transient",
      code: "NotHttp",
      message: "the endpoint's answer is not HTTP (Parse Error: Expected HTTP/, RTSP/ or ICE/); the update may have been applied (no answer came)",
    });
    expect(classifyError(err, { write: false }).message).toBe("the endpoint's answer is not HTTP (Parse Error: Expected HTTP/, RTSP/ or ICE/)");
  });

  it("a 404 is not a credential error", () => {
    expect(classifyError(sdkError("ResourceNotFoundException", 404)).credentials).toBeUndefined();
  });

  it("keeps the message, cut to 500 characters", () => {
    expect(classifyError(sdkError("InvalidRequestException", 400, "bad thing")).message).toBe("bad thing");
    expect(classifyError(sdkError("InvalidRequestException", 400, "x".repeat(2000))).message).toHaveLength(500);
    expect(classifyError("boom").message).toBe("boom");
  });

  const retryAfter: Array<[name: string, headers: Record<string, string>, ms: number | undefined]> = [
    ["seconds", { "retry-after": "3" }, 3000],
    ["fractional seconds", { "retry-after": "1.5" }, 1500],
    ["zero", { "retry-after": "0" }, 0],
    ["negative is zero", { "retry-after": "-4" }, 0],
    ["capitalised header", { "Retry-After": "2" }, 2000],
    ["absent", {}, undefined],
    ["empty", { "retry-after": "" }, undefined],
    ["garbage", { "retry-after": "soon" }, undefined],
    ["date in the past is zero", { "retry-after": "Wed, 21 Oct 2015 07:28:00 GMT" }, 0],
  ];
  it.each(retryAfter)("Retry-After %s", (_name, headers, ms) => {
    expect(classifyError(sdkError("ThrottlingException", 429, "slow down", headers)).retryAfterMs).toBe(ms);
  });

  it("Retry-After as a future HTTP date", () => {
    const when = new Date(Date.now() + 60_000).toUTCString();
    const ms = classifyError(sdkError("ServiceUnavailable", 503, "later", { "retry-after": when })).retryAfterMs;
    expect(ms).toBeGreaterThan(55_000);
    expect(ms).toBeLessThanOrEqual(60_000);
  });
});
