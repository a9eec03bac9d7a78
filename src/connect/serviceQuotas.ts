import { accountOfArn } from "../rate/quotaScope.js";

/** What the account's Service Quotas said of Connect: each API's applied rate quota (requests/s), and the account. */
export interface AccountQuotas {
  /** By quota name, e.g. "Rate of UpdateContactAttributes API requests". */
  readonly byName: ReadonlyMap<string, number>;
  /** From the quotas' ARNs. */
  readonly account: string | undefined;
  readonly region: string;
}

/** Why no answer came (the permission, or the service), in a few words. */
export interface NoQuotas {
  readonly error: string;
  /** True when the service said no (AccessDenied and the like), not when it could not be reached. */
  readonly denied: boolean;
}

/** The name Service Quotas gives an API's rate quota in Connect (found by name: quota codes differ by API and are not documented per API). */
export function rateQuotaName(api: string): string {
  return `Rate of ${api} API requests`;
}

export interface QuotaLookup {
  /** Service Quotas' endpoint (AWS_ENDPOINT_URL_SERVICE_QUOTAS), else AWS's. */
  readonly endpoint?: string | undefined;
  readonly region?: string | undefined;
  /** The whole look-up, every page: a worker does not wait longer than this to start. */
  readonly timeoutMs?: number;
}

/**
 * Reads the applied quotas of Connect (service code `connect`) with ListServiceQuotas: one look-up for
 * every API, paged. Needs `servicequotas:ListServiceQuotas`. Never throws: no answer is a NoQuotas.
 */
export async function readConnectQuotas(opts: QuotaLookup): Promise<AccountQuotas | NoQuotas> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  // Loaded only when a rate is to be learned from the account (a run given --rate never asks).
  const { ListServiceQuotasCommand, ServiceQuotasClient } = await import("@aws-sdk/client-service-quotas");
  const client = new ServiceQuotasClient({
    maxAttempts: 2,
    ...(opts.region ? { region: opts.region } : {}),
    // Only the endpoint named for Service Quotas (else AWS's own): AWS_ENDPOINT_URL is the shell's, maybe another target's.
    ...(opts.endpoint ? { endpoint: opts.endpoint } : { ignoreConfiguredEndpointUrls: true }),
    requestHandler: { requestTimeout: timeoutMs, connectionTimeout: Math.min(timeoutMs, 3_000) },
  });
  const byName = new Map<string, number>();
  let account: string | undefined;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const region = await client.config.region();
    let token: string | undefined;
    for (let page = 0; page < 20; page++) {
      const out = await client.send(new ListServiceQuotasCommand({ ServiceCode: "connect", MaxResults: 100, ...(token ? { NextToken: token } : {}) }), {
        abortSignal: signal,
      });
      for (const q of out.Quotas ?? []) {
        if (q.QuotaName && typeof q.Value === "number" && q.Value > 0) byName.set(q.QuotaName, q.Value);
        account ??= accountOfArn(q.QuotaArn);
      }
      token = out.NextToken;
      if (!token) break;
    }
    return { byName, account, region };
  } catch (err) {
    const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode;
    const denied = /AccessDenied|NotAuthorized|UnrecognizedClient|InvalidClientTokenId|ExpiredToken|NoSuchResource/i.test(e.name ?? "") || status === 403;
    return { error: `${e.name ?? "Error"}: ${(e.message ?? String(err)).slice(0, 200)}`, denied };
  } finally {
    client.destroy();
  }
}
