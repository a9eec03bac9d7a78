/**
 * Service Quotas (service-quotas-2019-06-24), the two reads of an account's applied quotas, answered from the
 * simulator's per-operation quotas. Wire protocol awsJson1_1 as the service's model says: every request is
 * `POST /` with `X-Amz-Target: ServiceQuotasV20190624.<Operation>` and a JSON body, content type
 * `application/x-amz-json-1.1`; errors carry their shape's name in `__type` (and `x-amzn-errortype`).
 * Output shapes: ListServiceQuotasResponse {NextToken, Quotas: ServiceQuota[]}, GetServiceQuotaResponse {Quota}.
 * Quota names follow Connect's ("Rate of <API> API requests"); the quota codes are the simulator's own.
 */
import type { Operation } from "../model.js";
import { OPERATIONS } from "../model.js";
import type { QuotaState } from "../Quotas.js";
import type { Answer } from "../wire.js";

export const SERVICE_QUOTAS_TARGET = "ServiceQuotasV20190624.";
const CONTENT_TYPE = "application/x-amz-json-1.1";
/** The documentation account (AWS's example id): the simulator is nobody's account. */
export const SIMULATED_ACCOUNT = "111122223333";

function json(status: number, value: unknown): Answer {
  return { status, body: JSON.stringify(value), contentType: CONTENT_TYPE };
}

export function serviceQuotasError(code: string, message: string, status = 400): Answer {
  return { status, body: JSON.stringify({ __type: code, message }), contentType: CONTENT_TYPE, errorType: code };
}

const codeOf = (op: Operation) => `L-SIM${OPERATIONS.indexOf(op) + 1}`;

function quotaOf(op: Operation, q: QuotaState, region: string): Record<string, unknown> {
  const code = codeOf(op);
  return {
    ServiceCode: "connect",
    ServiceName: "Amazon Connect",
    QuotaArn: `arn:aws:servicequotas:${region}:${SIMULATED_ACCOUNT}:connect/${code}`,
    QuotaCode: code,
    QuotaName: `Rate of ${op} API requests`,
    Value: q.rate,
    Unit: "None",
    Adjustable: true,
    GlobalQuota: false,
    Period: { PeriodValue: 1, PeriodUnit: "SECOND" },
    QuotaAppliedAtLevel: "ACCOUNT",
  };
}

export interface ServiceQuotasRequest {
  readonly target: string;
  readonly body: string | undefined;
  readonly region: string;
  readonly quotas: Record<Operation, QuotaState>;
  /** The simulator's switch: answer as to a caller without `servicequotas:*`. */
  readonly denied: boolean;
}

/** The answer to one Service Quotas request. Unlimited operations have no quota to list. */
export function serviceQuotas(req: ServiceQuotasRequest): Answer {
  const operation = req.target.slice(SERVICE_QUOTAS_TARGET.length);
  if (operation !== "ListServiceQuotas" && operation !== "GetServiceQuota") {
    return serviceQuotasError("UnknownOperationException", `The simulator answers ListServiceQuotas and GetServiceQuota, not ${operation}.`);
  }
  if (req.denied) {
    return serviceQuotasError("AccessDeniedException", `User is not authorized to perform: servicequotas:${operation} (simulator switch).`);
  }
  let input: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(req.body || "{}");
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
    input = parsed as Record<string, unknown>;
  } catch {
    return serviceQuotasError("SerializationException", "The request body is not a JSON object.");
  }
  if (typeof input.ServiceCode !== "string" || input.ServiceCode === "") return serviceQuotasError("ValidationException", "ServiceCode is required.");
  const listed = input.ServiceCode === "connect" ? OPERATIONS.filter((op) => req.quotas[op].rate !== null) : [];
  if (operation === "GetServiceQuota") {
    const op = listed.find((o) => codeOf(o) === input.QuotaCode);
    if (!op) return serviceQuotasError("NoSuchResourceException", `No quota ${String(input.QuotaCode)} for service ${input.ServiceCode}.`);
    return json(200, { Quota: quotaOf(op, req.quotas[op], req.region) });
  }
  if (input.ServiceCode !== "connect") return serviceQuotasError("NoSuchResourceException", `The simulator has no service ${input.ServiceCode}.`);
  const max = typeof input.MaxResults === "number" && input.MaxResults >= 1 ? Math.min(100, Math.floor(input.MaxResults)) : 100;
  const from = typeof input.NextToken === "string" ? Number(input.NextToken) : 0;
  if (!Number.isInteger(from) || from < 0) return serviceQuotasError("InvalidPaginationTokenException", "Invalid NextToken.");
  const page = listed.slice(from, from + max).map((op) => quotaOf(op, req.quotas[op], req.region));
  return json(200, { Quotas: page, ...(from + max < listed.length ? { NextToken: String(from + max) } : {}) });
}
