import { randomUUID } from "node:crypto";
import { connect as tcpConnect } from "node:net";
import type { ConnectClient } from "@aws-sdk/client-connect";
import { connectSdk } from "../lib/connectSdk.js";
import { createConnectClient } from "../connect/createConnectClient.js";
import { endpointShown, type RunTarget } from "../domain/run/manifest.js";
import { BackfillError } from "../lib/errors.js";
import { redisTrouble, troubleMessage } from "../queue/redisTrouble.js";
import type { AppContext } from "./context.js";

/** What `check` found wrong: one sentence per problem, exit 1. */
export class CheckFailed extends BackfillError {
  override readonly name = "CheckFailed";
  readonly code = "check-failed";
  constructor(readonly problems: readonly string[]) {
    // cli/main prints the message after "connect-backfill: ": each problem gets a line of its own.
    super(problems.join("\nconnect-backfill: "));
  }
}

export interface CheckResult {
  readonly problems: string[];
  /** The Region the AWS SDK resolved (recorded in a new run when the operator gave none). */
  readonly region: string | undefined;
  /** Said when a check was not made (no --instance-id), so a clean result is not read as more than it is. */
  readonly notes: string[];
}

export interface CheckOptions {
  readonly target: RunTarget;
  readonly instanceId: string | undefined;
  /** Ask Connect too (`check`): the instance exists and the caller may read its contacts. Off before a run: a run's calls are its rows'. */
  readonly askConnect: boolean;
  readonly timeoutMs: number;
}

const errText = (err: unknown) => {
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
 * Whether a run can start: AWS credentials resolve, a Region is known, the endpoint
 * answers, Redis takes a write; with `askConnect`, a DescribeContact of a made-up
 * contact says the instance exists and the caller may read its contacts (a
 * ResourceNotFound for the contact is the good answer). Nothing is queued or written to Connect.
 */
export async function checkTarget(ctx: AppContext, opts: CheckOptions): Promise<CheckResult> {
  const problems: string[] = [];
  const notes: string[] = [];
  const redisWrite = await writesRedis(ctx);
  if (redisWrite) problems.push(redisWrite);
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
      return { problems, region, notes };
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

/** Redis takes a write under the prefix (a replica, a full server or a user without write rights would refuse each outcome). */
async function writesRedis(ctx: AppContext): Promise<string | undefined> {
  const key = ctx.keys.writeProbe(randomUUID());
  try {
    await ctx.redis.set(key, "1", "PX", 10_000);
    await ctx.redis.del(key);
    return undefined;
  } catch (err) {
    const trouble = redisTrouble(err);
    return trouble ? `${troubleMessage(trouble)}.` : `Redis refused a write (${errText(err)}): queued rows and their outcomes could not be kept.`;
  }
}
