import type { ConnectClient } from "@aws-sdk/client-connect";
import { connectSdk } from "../lib/connectSdk.js";
import { checkResponses } from "./checkResponse.js";

export interface ConnectClientOptions {
  /** Overrides the endpoint; AWS_ENDPOINT_URL_CONNECT does the same through the SDK. */
  readonly endpoint?: string | undefined;
  readonly region?: string | undefined;
  readonly requestTimeoutMs: number;
  readonly maxSockets: number;
  /** Only `endpoint` (else AWS's own for the Region): AWS_ENDPOINT_URL and a profile's endpoint_url are not read. */
  readonly pinned?: boolean;
}

/**
 * The one place a Connect client is made. SDK retries are off (`maxAttempts: 1`):
 * our worker owns retries so that every attempt passes through the global rate
 * governor; SDK retries would bypass it and multiply under throttling.
 * Credentials and region come from the SDK's standard chain.
 */
export function createConnectClient(opts: ConnectClientOptions): ConnectClient {
  const agent = { keepAlive: true, maxSockets: opts.maxSockets };
  const client = new (connectSdk().ConnectClient)({
    maxAttempts: 1,
    ...(opts.region ? { region: opts.region } : {}),
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    ...(opts.pinned ? { ignoreConfiguredEndpointUrls: true } : {}),
    requestHandler: {
      requestTimeout: opts.requestTimeoutMs,
      // Without this the handler only logs a warning and a hung call waits forever.
      throwOnRequestTimeout: true,
      connectionTimeout: Math.min(opts.requestTimeoutMs, 5_000),
      httpAgent: agent,
      httpsAgent: agent,
    },
  });
  checkResponses(client);
  return client;
}
