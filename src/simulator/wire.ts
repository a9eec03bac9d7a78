/**
 * restJson1 plumbing: which operation a request is, and how answers look on the wire. The SDK is strict
 * about a few details (error type header, real Date header), so they live in one place.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { serviceError, type ServiceError } from "./errors.js";
import type { Operation } from "./model.js";

/** Operations whose contact comes from path labels. */
export type LabelledOperation = "GetContactAttributes" | "DescribeContact" | "UpdateContact";

export type Route =
  | { operation: "UpdateContactAttributes" }
  | { operation: LabelledOperation; instanceId: string; contactId: string }
  | { operation: Operation; error: ServiceError };

function decodeLabel(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/**
 * Maps method + path to an operation (the `http` trait of each operation in the model); undefined when
 * none matches. Query strings are ignored.
 */
export function route(method: string | undefined, url: string): Route | undefined {
  const q = url.indexOf("?");
  const path = q === -1 ? url : url.slice(0, q);
  const parts = path.split("/");
  // parts[0] is the empty string before the leading slash.
  if (method === "POST" && parts.length === 3 && parts[1] === "contact" && parts[2] === "attributes") {
    return { operation: "UpdateContactAttributes" };
  }
  let operation: LabelledOperation;
  let rawInstance: string | undefined;
  let rawContact: string | undefined;
  if (method === "GET" && parts.length === 5 && parts[1] === "contact" && parts[2] === "attributes") {
    operation = "GetContactAttributes";
    [rawInstance, rawContact] = [parts[3], parts[4]];
  } else if ((method === "GET" || method === "POST") && parts.length === 4 && parts[1] === "contacts") {
    // Same path, told apart by method: GET DescribeContact, POST UpdateContact.
    operation = method === "GET" ? "DescribeContact" : "UpdateContact";
    [rawInstance, rawContact] = [parts[2], parts[3]];
  } else {
    return undefined;
  }
  // The SDK percent-encodes labels, so ids with reserved characters arrive encoded.
  const instanceId = decodeLabel(rawInstance ?? "");
  const contactId = decodeLabel(rawContact ?? "");
  if (instanceId === undefined || contactId === undefined) {
    return { operation, error: serviceError("InvalidRequestException", "Malformed percent-encoding in the path.") };
  }
  return { operation, instanceId, contactId };
}

let cachedSecond = -1;
let cachedDate = "";

/**
 * Wall-clock HTTP date, cached per second. The SDK compares it with its own clock and treats a skewed
 * answer as retryable, so this must never be a fixed or fake time.
 */
export function httpDate(now: number = Date.now()): string {
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedDate = new Date(second * 1000).toUTCString();
  }
  return cachedDate;
}

export interface Answer {
  status: number;
  body: string;
  contentType: string;
  errorType?: string;
  /** A Retry-After header's value (hostile mode: Connect sends none). */
  retryAfter?: string;
}

export function jsonAnswer(status: number, value: unknown): Answer {
  return { status, body: JSON.stringify(value), contentType: "application/json" };
}

export function errorAnswer(error: ServiceError): Answer {
  return {
    status: error.status,
    body: JSON.stringify({ Message: error.message }),
    contentType: "application/json",
    errorType: error.code,
  };
}

const GATEWAY_TEXT: Record<number, string> = {
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** What a load balancer sends: HTML, no error type, so only the status tells the SDK what happened. */
export function gatewayAnswer(status: 502 | 503 | 504): Answer {
  return {
    status,
    body: `<html><body><h1>${status} ${GATEWAY_TEXT[status]}</h1></body></html>`,
    contentType: "text/html",
  };
}

export function write(res: ServerResponse, answer: Answer): void {
  // The client may have gone away while we waited (latency, or it gave up).
  if (res.destroyed || res.writableEnded) return;
  const headers: Record<string, string | number> = {
    "Content-Type": answer.contentType,
    "Content-Length": Buffer.byteLength(answer.body),
    Date: httpDate(),
    "x-amzn-requestid": randomUUID(),
  };
  if (answer.errorType !== undefined) headers["x-amzn-errortype"] = answer.errorType;
  if (answer.retryAfter !== undefined) headers["Retry-After"] = answer.retryAfter;
  res.writeHead(answer.status, headers);
  res.end(answer.body);
}

/** Service requests: far above any valid UpdateContactAttributes body (32 KiB of attributes plus JSON). */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Reads the whole body as UTF-8, up to `limit` bytes. An oversized body is drained and reported rather
 * than buffered, so a runaway client cannot exhaust memory; undefined means "too large", never "empty".
 */
export function readBody(req: IncomingMessage, limit: number, done: (body: string | undefined) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  });
  req.on("end", () => done(size > limit ? undefined : Buffer.concat(chunks, size).toString("utf8")));
  // An aborted upload ends in 'error'/'close' with nothing to answer.
  req.on("error", () => undefined);
}
