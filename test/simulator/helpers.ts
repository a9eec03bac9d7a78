/** Shared set-up for simulator tests: every simulator started here is stopped after each test. */
import { ConnectClient, type ConnectClientConfig } from "@aws-sdk/client-connect";
import { afterEach } from "vitest";
import { ConnectSimulator, type ConnectSimulatorOptions } from "../../src/simulator/index.js";

const running: ConnectSimulator[] = [];
const clients: ConnectClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

export async function startSim(options: ConnectSimulatorOptions = {}): Promise<{ sim: ConnectSimulator; endpoint: string }> {
  const sim = new ConnectSimulator(options);
  running.push(sim);
  const { endpoint } = await sim.start();
  return { sim, endpoint };
}

export function clientFor(endpoint: string, extra: Partial<ConnectClientConfig> = {}): ConnectClient {
  const client = new ConnectClient({
    region: "us-east-1",
    endpoint,
    credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "secret" },
    maxAttempts: 1,
    ...extra,
  });
  clients.push(client);
  return client;
}

/** The rejection of a promise that must fail, typed loosely enough to read SDK error fields. */
export async function failure(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (err) {
    return err as SdkError;
  }
  throw new Error("expected the call to fail, it succeeded");
}

export interface SdkError extends Error {
  code?: string;
  $metadata: { httpStatusCode?: number; requestId?: string; attempts?: number };
}

export const INSTANCE = "11111111-2222-3333-4444-555555555555";
export const HOUR_AGO = () => new Date(Date.now() - 3600_000);
