import type { ConnectClient } from "@aws-sdk/client-connect";

/** Bodies a successful contact call can have: `{}` or a small JSON object. */
const MAX_SUCCESS_BYTES = 1024 * 1024;

interface RawResponse {
  statusCode?: number;
  headers?: Record<string, string | undefined>;
  body?: { destroy?: () => void };
}

/**
 * The SDK takes any 2xx as success and never reads an UpdateContactAttributes
 * body: a captive portal's HTML page, a text body or 300 MB of anything all
 * became `updated`. A success needs what the service sends: a JSON body and an
 * `x-amzn-requestid`. Anything else throws `UnexpectedResponse` (retried as
 * transient, then `failed`; the circuit breaker counts it as no answer).
 * Placed inside the SDK's deserializer, so it sees the response before the body is read.
 */
export function checkResponses(client: ConnectClient): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const res = result.response as RawResponse;
      const status = res.statusCode ?? 0;
      if (status < 200 || status >= 300) return result;
      const h = res.headers ?? {};
      const type = (h["content-type"] ?? "").toLowerCase();
      const length = Number(h["content-length"] ?? 0);
      const problems: string[] = [];
      if (!h["x-amzn-requestid"] && !h["x-amz-request-id"]) problems.push("no x-amzn-requestid");
      if (!type.includes("json")) problems.push(`content-type ${type || "missing"}`);
      if (length > MAX_SUCCESS_BYTES) problems.push(`a body of ${length} bytes`);
      if (problems.length > 0) {
        res.body?.destroy?.();
        throw Object.assign(new Error(`HTTP ${status} that did not come from Amazon Connect (${problems.join(", ")}); a proxy or captive portal in the way?`), {
          name: "UnexpectedResponse",
          $metadata: { httpStatusCode: status },
        });
      }
      return result;
    },
    { step: "deserialize", priority: "low", name: "connectBackfillCheckResponse" },
  );
}
