import { randomUUID } from "node:crypto";
import { connect as tcpConnect } from "node:net";
import type { ConnectClient } from "@aws-sdk/client-connect";
import { connectSdk } from "../lib/connectSdk.js";
import { createConnectClient } from "../connect/createConnectClient.js";
import { endpointShown, type RunTarget } from "../domain/run/manifest.js";
import type { CheckOptions, CheckResult } from "./checkOptions.js";

/** An error in one line: its name and the first line of its message. */
export const errText = (err: unknown): string => {
  const e = err as { name?: string; message?: string; code?: string };
  return `${e.name ?? "Error"}: ${(e.message ?? String(err)).split("\n")[0]}`;
};

/** The endpoint's host and port: the run's, else AWS's own for the Region. */
async function endpointOf(client: ConnectClient, target: RunTarget, region: string): Promise<URL> {
  if (target.endpoint) return new URL(target.endpoint);
  const resolved = client.config.endpointProvider({ Region: region, UseFIPS: false, UseDualStack: false });
  return new URL(resolved.url.toString());
}

/** The endpoint accepts a connection: no request is sent (a call would count against the account's quota). */
function answers(url: URL, timeoutMs: number): Promise<string | undefined> {
  const port = Number(url.port || (url.protocol === "http:" ? 80 : 443));
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: url.hostname.replace(/^\[|\]$/g, ""), port });
    const done = (why: string | undefined) => {
      socket.destroy();
      resolve(why);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer in ${timeoutMs} ms`));
    socket.once("error", (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
    socket.once("connect", () => done(undefined));
  });
}

/**
 * What the AWS SDK says of the target, without a call to Connect unless `askConnect`: credentials and a Region
 * resolve, the endpoint accepts a connection; with `askConnect`, a DescribeContact of a made-up contact says the
 * instance exists and the caller may read its contacts (a ResourceNotFound for the contact is the good answer).
 */
export async function checkConnect(opts: CheckOptions): Promise<CheckResult> {
  const problems: string[] = [];
  const notes: string[] = [];
  const client = createConnectClient({ endpoint: opts.target.endpoint, region: opts.target.region, requestTimeoutMs: opts.timeoutMs, maxSockets: 1, pinned: true });
  try {
    let region: string | undefined;
    try {
      region = await client.config.region();
    } catch {
      region = undefined;
    }
    if (!region) problems.push("no AWS Region is set: give --region, or set AWS_REGION (or a region in the AWS profile).");
    let credentials = true;
    try {
      await client.config.credentials();
    } catch (err) {
      credentials = false;
      problems.push(
        `no AWS credentials were found (${errText(err)}): set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a role provides them.`,
      );
    }
    if (!region) return { problems, region, notes };
    const url = await endpointOf(client, opts.target, region);
    const down = await answers(url, Math.min(opts.timeoutMs, 5_000));
    if (down) {
      problems.push(
        `the Connect endpoint ${endpointShown(url.toString())} (Region ${region}) does not answer (${down}): check --endpoint, --region and the network.`,
      );
      return { problems, region, notes, unanswered: true };
    }
    if (!opts.askConnect || !credentials) return { problems, region, notes };
    if (!opts.instanceId) {
      notes.push("no --instance-id: the instance and the permission to call it were not checked (rows name their own instance).");
      return { problems, region, notes };
    }
    const said = await askConnect(client, opts.instanceId, region, opts.timeoutMs);
    if (said) problems.push(said);
    return { problems, region, notes };
  } finally {
    client.destroy();
  }
}

/** DescribeContact of a contact that does not exist: which answer says what. */
async function askConnect(client: ConnectClient, instanceId: string, region: string, timeoutMs: number): Promise<string | undefined> {
  try {
    await client.send(new (connectSdk().DescribeContactCommand)({ InstanceId: instanceId, ContactId: randomUUID() }), {
      abortSignal: AbortSignal.timeout(timeoutMs),
    });
    return undefined;
  } catch (err) {
    const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const name = e.name ?? "Error";
    const message = e.message ?? "";
    if (name === "ResourceNotFoundException") {
      // The contact is made up: its absence is the good answer. An unknown instance is said by its own message.
      return /instance/i.test(message) && !/contact/i.test(message)
        ? `instance ${instanceId} was not found in Region ${region} (${message}): check --instance-id and --region.`
        : undefined;
    }
    if (name === "ThrottlingException" || name === "TooManyRequestsException") return undefined;
    if (name === "AccessDeniedException")
      return `the caller may not call Connect on instance ${instanceId} (${name}: ${message}): its IAM policy needs connect:DescribeContact and the run's operation.`;
    if (/Signature|UnrecognizedClient|InvalidClientTokenId|ExpiredToken/i.test(name))
      return `the credentials were refused by Connect in Region ${region} (${name}): check AWS_PROFILE or the keys, and that they are for this account.`;
    return `Connect did not answer a harmless read as expected (${errText(err)}).`;
  }
}
