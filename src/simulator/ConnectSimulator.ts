/**
 * A local Amazon Connect stand-in speaking the real restJson1 wire format of UpdateContactAttributes,
 * GetContactAttributes, DescribeContact and UpdateContact, so the unmodified @aws-sdk/client-connect (its
 * serializer, error mapping and retry strategy included) can be exercised end to end. It enforces the
 * service-side rules the SDK never checks: limits, authentication, per-API quotas, contact age.
 * This file is the front door (lifecycle, auth, quota, faults, latency); each operation has its handler
 * in handlers/.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { AcceptedLog, type AcceptedUpdate, type CallCounts } from "./AcceptedLog.js";
import { ADMIN_PREFIX, handleAdmin, type AdminTarget } from "./adminApi.js";
import { attributesObject, ContactStore, snapshotOf, type ContactSeed, type ContactSnapshot } from "./ContactStore.js";
import { isFault, serviceError, SimulatorConfigError, type Fault, type ServiceError } from "./errors.js";
import { FaultQueue } from "./FaultQueue.js";
import { parseJson, type HandlerContext } from "./handlers/context.js";
import { describeContact } from "./handlers/describeContact.js";
import { getContactAttributes } from "./handlers/getContactAttributes.js";
import { updateContact } from "./handlers/updateContact.js";
import { updateContactAttributes } from "./handlers/updateContactAttributes.js";
import { SERVICE_QUOTAS_TARGET, serviceQuotas } from "./handlers/serviceQuotas.js";
import type { Operation, UpdateOperation } from "./model.js";
import {
  checkAccessKeys,
  checkLatency,
  checkOperation,
  checkRate,
  checkSeed,
  resolveOptions,
  show,
  type ConnectSimulatorOptions,
  type ResolvedOptions,
} from "./options.js";
import { Quotas, type QuotaState } from "./Quotas.js";
import { StatsRecorder, type SimulatorStats } from "./StatsRecorder.js";
import { errorAnswer, gatewayAnswer, MAX_BODY_BYTES, readBody, route, write, type Answer, type Route } from "./wire.js";

export interface StartedSimulator {
  port: number;
  /** Pass as the ConnectClient `endpoint`. */
  endpoint: string;
}

/** `Credential=AKID/20250101/us-east-1/connect/aws4_request`: the access key, then the region of the scope. */
const CREDENTIAL = /Credential=([^/,\s]+)/;
const SCOPE_REGION = /Credential=[^/,\s]+\/[^/,\s]+\/([^/,\s]+)\//;
const DEFAULT_REGION = "us-east-1";

/** Service error answers for the named faults. */
const FAULT_ERRORS: Partial<Record<Fault, ServiceError>> = {
  ExpiredTokenException: serviceError("ExpiredTokenException", "The security token included in the request is expired"),
  InvalidSignatureException: serviceError(
    "InvalidSignatureException",
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.",
  ),
  SignatureExpired: serviceError("InvalidSignatureException", "Signature expired: the request was signed more than 5 minutes ago."),
  AccessDeniedException: serviceError("AccessDeniedException", "User is not authorized to perform this action (injected)."),
  ConflictException: serviceError("ConflictException", "The contact is in a state that conflicts with this update (injected)."),
  InvalidActiveRegionException: serviceError("InvalidActiveRegionException", "This Region is not the instance's active Region (injected)."),
};

export class ConnectSimulator implements AdminTarget {
  private readonly options: ResolvedOptions;
  private readonly store: ContactStore;
  private readonly quotaBuckets: Quotas;
  private readonly faults = new FaultQueue();
  private readonly recorder = new StatsRecorder();
  private readonly log: AcceptedLog;
  private readonly context: HandlerContext;
  private rejectedKeys: Set<string>;
  private latencyMs: number;
  /** Service Quotas answers AccessDeniedException (a caller without `servicequotas:ListServiceQuotas`). */
  private quotasDenied: boolean;
  private server: Server | undefined;
  private started: StartedSimulator | undefined;
  private readonly delayed = new Set<NodeJS.Timeout>();

  constructor(options: ConnectSimulatorOptions = {}) {
    this.options = resolveOptions(options);
    const autoCreateFor = new Set<Operation>();
    if (this.options.autoCreate) {
      autoCreateFor.add("UpdateContactAttributes").add("UpdateContact");
      if (this.options.autoCreateOnRead) autoCreateFor.add("GetContactAttributes").add("DescribeContact");
    }
    this.store = new ContactStore({ autoCreateFor, retentionMonths: this.options.retentionMonths });
    for (const seed of this.options.contacts) this.store.add(seed);
    this.quotaBuckets = new Quotas({ rate: this.options.rate, burst: this.options.burst }, this.options.quotas);
    this.log = new AcceptedLog(this.options.acceptedLogLimit);
    this.context = { store: this.store, log: this.log, now: Date.now };
    this.rejectedKeys = new Set(this.options.rejectedAccessKeys);
    this.latencyMs = this.options.latencyMs;
    this.quotasDenied = this.options.denyServiceQuotas;
  }

  /** Listens on options.port (0 = a free port) and resolves once connections are accepted. */
  async start(): Promise<StartedSimulator> {
    if (this.server !== undefined) throw new SimulatorConfigError("simulator already started");
    const server = createServer((req, res) => this.onRequest(req, res));
    // Longer than the SDK agent's idle time, so a reused keep-alive socket is not closed under a request.
    server.keepAliveTimeout = 65_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    const host = this.options.host.includes(":") ? `[${this.options.host}]` : this.options.host;
    this.started = { port, endpoint: `http://${host}:${port}` };
    return { ...this.started };
  }

  /** Closes the server and every socket, including those held open by a "timeout" fault. Idempotent. */
  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    this.started = undefined;
    for (const timer of this.delayed) clearTimeout(timer);
    this.delayed.clear();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  /** The endpoint while running, else undefined. */
  get endpoint(): string | undefined {
    return this.started?.endpoint;
  }

  /** Connect requests by the Region they were signed for (their credential scope): where a real client's calls would have gone. */
  signingRegions(): Record<string, number> {
    return Object.fromEntries(this.signed);
  }

  private readonly signed = new Map<string, number>();

  stats(): SimulatorStats {
    return { ...this.recorder.snapshot(), accepted: this.log.summary() };
  }

  /**
   * Accepted (200) updates in the order applied, from absolute index `from` (for pollers), optionally of
   * one operation. Only the last `acceptedLogLimit` are kept; to count calls use acceptedCount(),
   * callCounts() or stats().accepted, which are exact.
   */
  updates(from = 0, operation?: UpdateOperation): AcceptedUpdate[] {
    return this.log.since(from, operation);
  }

  /** Accepted updates since the last reset (all operations, or one), exact whatever the log kept. */
  acceptedCount(operation?: UpdateOperation): number {
    const { total, byOperation } = this.log.summary();
    return operation === undefined ? total : byOperation[operation];
  }

  /** Accepted calls per update operation for one contact since the last reset. */
  callCounts(instanceId: string, contactId: string): CallCounts {
    return this.log.countsFor(instanceId, contactId);
  }

  /** Current attributes of a contact, or undefined if it does not exist (no auto-creation here). */
  attributesOf(instanceId: string, contactId: string): Record<string, string> | undefined {
    const contact = this.store.peek(instanceId, contactId);
    return contact === undefined ? undefined : attributesObject(contact);
  }

  /** Everything held about a contact (including References, which DescribeContact does not return). */
  contactOf(instanceId: string, contactId: string): ContactSnapshot | undefined {
    const contact = this.store.peek(instanceId, contactId);
    return contact === undefined ? undefined : snapshotOf(contact);
  }

  /** Adds or replaces a contact. */
  addContact(seed: ContactSeed): void {
    this.store.add(checkSeed(seed, 0));
  }

  /** Changes one operation's quota, or every operation's when none is named; rate null/0 removes it. */
  setRate(rate: number | null, burst?: number, operation?: Operation): void {
    const checked = checkRate(rate, burst);
    this.quotaBuckets.set(checked, operation === undefined ? undefined : checkOperation(operation));
  }

  /** The quota of each operation now (rate and burst null when unlimited). */
  quotas(): Record<Operation, QuotaState> {
    return this.quotaBuckets.snapshot();
  }

  setLatency(ms: number): void {
    this.latencyMs = checkLatency(ms);
  }

  /** Service Quotas refuses every caller (true) or answers from the quotas (false). */
  setServiceQuotasDenied(denied: boolean): void {
    if (typeof denied !== "boolean") throw new SimulatorConfigError(`denied must be true or false, got ${show(denied)}`);
    this.quotasDenied = denied;
  }

  setRejectedAccessKeys(keys: string[]): void {
    this.rejectedKeys = new Set(checkAccessKeys(keys));
  }

  /** The next requests naming this contact id (of `operation`, or any) suffer these faults, in order. */
  injectFaults(contactId: string, faults: Fault[], operation?: Operation): void {
    for (const f of faults) if (!isFault(f)) throw new SimulatorConfigError(`unknown fault ${show(f)}`);
    this.faults.inject(contactId, faults, operation === undefined ? undefined : checkOperation(operation));
  }

  /** The next `count` requests (of `operation`, or any), whatever their contact, suffer this fault. */
  failNext(count: number, fault: Fault, operation?: Operation): void {
    if (!Number.isInteger(count) || count < 0) {
      throw new SimulatorConfigError(`failNext count must be a non-negative integer, got ${show(count)}`);
    }
    if (!isFault(fault)) throw new SimulatorConfigError(`unknown fault ${show(fault)}`);
    this.faults.failNext(count, fault, operation === undefined ? undefined : checkOperation(operation));
  }

  /** Clears stats, accepted updates and their counts, and pending faults; keeps contacts, quotas and latency. */
  reset(): void {
    this.recorder.clear();
    this.log.clear();
    this.faults.clear();
    this.signed.clear();
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? "/";
    const admin = url.startsWith(ADMIN_PREFIX);
    // Admin bodies seed thousands of contacts at once; service bodies keep the service's own limit.
    const limit = admin ? this.options.maxAdminBodyBytes : MAX_BODY_BYTES;
    readBody(req, limit, (body) => {
      try {
        if (admin) {
          write(res, handleAdmin(this, req.method ?? "GET", url, body, limit));
          return;
        }
        this.serve(req, res, body);
      } catch (err) {
        // A simulator bug must show up as a 500 in the test that hit it, not kill the whole process.
        write(res, errorAnswer(serviceError("InternalServiceException", `simulator error: ${String(err)}`)));
      }
    });
  }

  private serve(req: IncomingMessage, res: ServerResponse, body: string | undefined): void {
    const amzTarget = req.headers["x-amz-target"];
    if (req.method === "POST" && typeof amzTarget === "string" && amzTarget.startsWith(SERVICE_QUOTAS_TARGET)) {
      // Service Quotas on the same port (AWS_ENDPOINT_URL_SERVICE_QUOTAS): not Connect, so not in Connect's stats or buckets.
      const auth = this.authenticate(req.headers.authorization);
      if ("code" in auth) this.reply(res, errorAnswer(auth));
      else this.reply(res, serviceQuotas({ target: amzTarget, body, region: auth.region, quotas: this.quotas(), denied: this.quotasDenied }));
      return;
    }
    const target = route(req.method, req.url ?? "/");
    this.recorder.request(req.headers["amz-sdk-request"]);
    if (target === undefined) {
      const unknown = serviceError("UnknownOperationException", `No operation at ${req.method} ${req.url}`);
      this.reply(res, errorAnswer(unknown));
      return;
    }
    const operation = target.operation;
    const parsed = operation === "UpdateContactAttributes" || operation === "UpdateContact" ? parseJson(body) : undefined;

    // Faults come first: they stand for the network and the front door, which fail before any check.
    const fault = this.faults.take(this.contactIdOf(target, parsed), operation);
    if (fault !== undefined) {
      this.recorder.fault();
      this.suffer(res, operation, fault);
      return;
    }

    const answer = this.decide(req, target, parsed);
    const outcome = answer.status === 200 ? "ok" : answer.status === 429 ? "throttled" : "error";
    this.recorder.outcome(operation, outcome);
    this.reply(res, answer);
  }

  private contactIdOf(target: Route, parsed: ReturnType<typeof parseJson> | undefined): string | undefined {
    if ("contactId" in target) return target.contactId;
    if (parsed?.ok === true && typeof parsed.value === "object" && parsed.value !== null) {
      const id = (parsed.value as Record<string, unknown>).InitialContactId;
      if (typeof id === "string") return id;
    }
    return undefined;
  }

  /** The service's answer to a request that reached it: auth, then quota, then the operation. */
  private decide(req: IncomingMessage, target: Route, parsed: ReturnType<typeof parseJson> | undefined): Answer {
    const auth = this.authenticate(req.headers.authorization);
    if ("code" in auth) return errorAnswer(auth);
    this.signed.set(auth.region, (this.signed.get(auth.region) ?? 0) + 1);
    // A refused request takes no token and changes nothing, as with the real quota.
    if (!this.quotaBuckets.take(target.operation)) {
      return this.throttleAnswer();
    }
    if ("error" in target) return errorAnswer(target.error);
    const ctx = this.context;
    switch (target.operation) {
      case "UpdateContactAttributes":
        return updateContactAttributes(ctx, parsed ?? parseJson(undefined));
      case "GetContactAttributes":
        return getContactAttributes(ctx, target.instanceId, target.contactId);
      case "DescribeContact":
        return describeContact(ctx, { region: auth.region }, target.instanceId, target.contactId);
      case "UpdateContact":
        return updateContact(ctx, target.instanceId, target.contactId, parsed ?? parseJson(undefined));
    }
  }

  /** Presence of a SigV4 header only: signatures are not verified, but revoked keys are refused. */
  private authenticate(authorization: string | undefined): ServiceError | { region: string } {
    if (authorization === undefined || !authorization.startsWith("AWS4-HMAC-SHA256")) {
      const message = "Missing Authentication Token: requests must be signed with SigV4.";
      return serviceError("AccessDeniedException", message);
    }
    if (this.rejectedKeys.size > 0) {
      const key = CREDENTIAL.exec(authorization)?.[1];
      if (key !== undefined && this.rejectedKeys.has(key)) {
        return serviceError("UnrecognizedClientException", "The security token included in the request is invalid.");
      }
    }
    return { region: SCOPE_REGION.exec(authorization)?.[1] ?? DEFAULT_REGION };
  }

  private suffer(res: ServerResponse, operation: Operation, fault: Fault): void {
    switch (fault) {
      case "reset":
        this.recorder.outcome(operation, "error");
        res.socket?.destroy();
        return;
      case "timeout":
        // Never answered; stop() closes the socket if the client has not given up first.
        this.recorder.outcome(operation, "error");
        return;
      case 429:
        this.recorder.outcome(operation, "throttled");
        this.reply(res, this.throttleAnswer());
        return;
      case 500:
        this.recorder.outcome(operation, "error");
        this.reply(res, errorAnswer(serviceError("InternalServiceException", "Injected internal failure.")));
        return;
      case 502:
      case 503:
      case 504:
        this.recorder.outcome(operation, "error");
        this.reply(res, gatewayAnswer(fault));
        return;
      default: {
        this.recorder.outcome(operation, "error");
        const error = FAULT_ERRORS[fault] ?? serviceError("InternalServiceException", `unmapped fault ${show(fault)}`);
        this.reply(res, errorAnswer(error));
      }
    }
  }

  /** Sends now, or after the configured latency (the decision itself was taken on arrival). */
  /** A 429, with the hostile mode's Retry-After when it is on. */
  private throttleAnswer(): Answer {
    const answer = errorAnswer(serviceError("ThrottlingException", "Rate exceeded"));
    const s = this.options.throttleRetryAfterSeconds;
    return s === undefined ? answer : { ...answer, retryAfter: String(s) };
  }

  private reply(res: ServerResponse, answer: Answer): void {
    if (this.latencyMs <= 0) {
      write(res, answer);
      return;
    }
    const timer = setTimeout(() => {
      this.delayed.delete(timer);
      write(res, answer);
    }, this.latencyMs);
    this.delayed.add(timer);
  }
}
