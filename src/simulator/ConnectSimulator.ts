/**
 * A local Amazon Connect stand-in speaking the real restJson1 wire format of UpdateContactAttributes,
 * GetContactAttributes and DescribeContact, so the unmodified @aws-sdk/client-connect (its serializer,
 * error mapping and retry strategy included) can be exercised end to end. It enforces the service-side
 * rules the SDK never checks: limits, authentication, per-API quotas, contact age.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ADMIN_PREFIX, handleAdmin, type AcceptedUpdate, type AdminTarget } from "./adminApi.js";
import {
  attributesObject,
  ContactStore,
  type ContactSeed,
  type Operation,
  type StoredContact,
} from "./ContactStore.js";
import { isFault, serviceError, SimulatorConfigError, type Fault, type ServiceError } from "./errors.js";
import { FaultQueue } from "./FaultQueue.js";
import {
  checkAccessKeys,
  checkLatency,
  checkRate,
  checkSeed,
  resolveOptions,
  show,
  type ConnectSimulatorOptions,
  type ResolvedOptions,
} from "./options.js";
import { StatsRecorder, type SimulatorStats } from "./StatsRecorder.js";
import { TokenBucket } from "./TokenBucket.js";
import { charLength, LIMITS, validateUpdate } from "./validateUpdate.js";
import { errorAnswer, gatewayAnswer, jsonAnswer, readBody, route, write, type Answer, type Route } from "./wire.js";

export interface StartedSimulator {
  port: number;
  /** Pass as the ConnectClient `endpoint`. */
  endpoint: string;
}

const OPERATIONS: readonly Operation[] = ["UpdateContactAttributes", "GetContactAttributes", "DescribeContact"];

const CREDENTIAL = /Credential=([^/,\s]+)/;

function isError(value: StoredContact | ServiceError): value is ServiceError {
  return "code" in value;
}

export class ConnectSimulator implements AdminTarget {
  private readonly options: ResolvedOptions;
  private readonly store: ContactStore;
  private readonly buckets: Record<Operation, TokenBucket>;
  private readonly faults = new FaultQueue();
  private readonly recorder = new StatsRecorder();
  private accepted: AcceptedUpdate[] = [];
  private rejectedKeys: Set<string>;
  private latencyMs: number;
  private server: Server | undefined;
  private started: StartedSimulator | undefined;
  private readonly delayed = new Set<NodeJS.Timeout>();

  constructor(options: ConnectSimulatorOptions = {}) {
    this.options = resolveOptions(options);
    this.store = new ContactStore({
      autoCreate: this.options.autoCreate,
      retentionMonths: this.options.retentionMonths,
    });
    for (const seed of this.options.contacts) this.store.add(seed);
    const { rate, burst } = this.options;
    // One bucket per operation: Connect's quotas are per API, not shared between them.
    this.buckets = {
      UpdateContactAttributes: new TokenBucket(rate, burst),
      GetContactAttributes: new TokenBucket(rate, burst),
      DescribeContact: new TokenBucket(rate, burst),
    };
    this.rejectedKeys = new Set(this.options.rejectedAccessKeys);
    this.latencyMs = this.options.latencyMs;
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

  stats(): SimulatorStats {
    return this.recorder.snapshot();
  }

  /** Accepted (200) UpdateContactAttributes calls in the order applied, from index `from` (for pollers). */
  updates(from = 0): AcceptedUpdate[] {
    return this.accepted.slice(from).map((u) => ({ ...u, attributes: { ...u.attributes } }));
  }

  /** Current attributes of a contact, or undefined if it does not exist (no auto-creation here). */
  attributesOf(instanceId: string, contactId: string): Record<string, string> | undefined {
    const contact = this.store.peek(instanceId, contactId);
    return contact === undefined ? undefined : attributesObject(contact);
  }

  /** Adds or replaces a contact. */
  addContact(seed: ContactSeed): void {
    this.store.add(checkSeed(seed, 0));
  }

  /** Changes every operation's quota at once; rate null/0 removes it. */
  setRate(rate: number | null, burst?: number): void {
    const checked = checkRate(rate, burst);
    for (const op of OPERATIONS) this.buckets[op].configure(checked.rate, checked.burst);
  }

  setLatency(ms: number): void {
    this.latencyMs = checkLatency(ms);
  }

  setRejectedAccessKeys(keys: string[]): void {
    this.rejectedKeys = new Set(checkAccessKeys(keys));
  }

  /** The next requests naming this contact id (any operation) suffer these faults, in order. */
  injectFaults(contactId: string, faults: Fault[]): void {
    for (const f of faults) if (!isFault(f)) throw new SimulatorConfigError(`unknown fault ${show(f)}`);
    this.faults.inject(contactId, faults);
  }

  /** The next `count` requests, whatever their contact, suffer this fault. */
  failNext(count: number, fault: Fault): void {
    if (!Number.isInteger(count) || count < 0) {
      throw new SimulatorConfigError(`failNext count must be a non-negative integer, got ${show(count)}`);
    }
    if (!isFault(fault)) throw new SimulatorConfigError(`unknown fault ${show(fault)}`);
    this.faults.failNext(count, fault);
  }

  /** Clears stats, accepted updates and pending faults; keeps contacts, quotas and latency. */
  reset(): void {
    this.recorder.clear();
    this.accepted = [];
    this.faults.clear();
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    readBody(req, (body) => {
      try {
        const url = req.url ?? "/";
        if (url.startsWith(ADMIN_PREFIX)) {
          write(res, handleAdmin(this, req.method ?? "GET", url, body ?? ""));
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
    const target = route(req.method, req.url ?? "/");
    if (target === undefined) {
      this.recorder.request(req.headers["amz-sdk-request"]);
      const unknown = serviceError("UnknownOperationException", `No operation at ${req.method} ${req.url}`);
      this.reply(res, errorAnswer(unknown));
      return;
    }
    const operation = target.operation;
    this.recorder.request(req.headers["amz-sdk-request"]);

    let parsed: unknown;
    let malformed = body === undefined;
    if (operation === "UpdateContactAttributes" && body !== undefined) {
      try {
        parsed = JSON.parse(body);
      } catch {
        malformed = true;
      }
    }

    // Faults come first: they stand for the network and the front door, which fail before any check.
    const fault = this.faults.take(this.contactIdOf(target, parsed));
    if (fault !== undefined) {
      this.recorder.fault();
      this.suffer(res, operation, fault);
      return;
    }

    const answer = this.decide(req, target, parsed, malformed);
    const outcome = answer.status === 200 ? "ok" : answer.status === 429 ? "throttled" : "error";
    this.recorder.outcome(operation, outcome);
    this.reply(res, answer);
  }

  private contactIdOf(target: Route, parsed: unknown): string | undefined {
    if ("contactId" in target) return target.contactId;
    if (typeof parsed === "object" && parsed !== null) {
      const id = (parsed as Record<string, unknown>).InitialContactId;
      if (typeof id === "string") return id;
    }
    return undefined;
  }

  /** The service's answer to a request that reached it: auth, then quota, then validation, then data. */
  private decide(req: IncomingMessage, target: Route, parsed: unknown, malformed: boolean): Answer {
    const denied = this.authenticate(req.headers.authorization);
    if (denied !== undefined) return errorAnswer(denied);
    // A refused request takes no token and changes nothing, as with the real quota.
    if (!this.buckets[target.operation].tryTake()) {
      return errorAnswer(serviceError("ThrottlingException", "Rate exceeded"));
    }
    if ("error" in target) return errorAnswer(target.error);

    if (target.operation === "UpdateContactAttributes") {
      if (malformed) {
        const message = "The request body is not valid JSON or exceeds 1 MiB.";
        return errorAnswer(serviceError("InvalidRequestException", message));
      }
      const checked = validateUpdate(parsed);
      if (!checked.ok) return errorAnswer(checked.error);
      const { instanceId, contactId, attributes } = checked.value;
      const contact = this.store.resolve(instanceId, contactId, target.operation);
      if (isError(contact)) return errorAnswer(contact);
      const refused = this.store.merge(contact, attributes);
      if (refused !== undefined) return errorAnswer(refused);
      this.accepted.push({ instanceId, contactId, attributes: { ...attributes }, at: Date.now() });
      return jsonAnswer(200, {});
    }

    const { instanceId, contactId } = target;
    const labelError = this.checkLabels(target.operation, instanceId, contactId);
    if (labelError !== undefined) return errorAnswer(labelError);
    const contact = this.store.resolve(instanceId, contactId, target.operation);
    if (isError(contact)) return errorAnswer(contact);
    if (target.operation === "GetContactAttributes") {
      return jsonAnswer(200, { Attributes: attributesObject(contact) });
    }
    return jsonAnswer(200, {
      Contact: {
        Id: contact.contactId,
        InitialContactId: contact.contactId,
        InitiationTimestamp: contact.initiationTimestamp.getTime() / 1000,
        Channel: "VOICE",
        InitiationMethod: "INBOUND",
        Attributes: attributesObject(contact),
      },
    });
  }

  /** Presence of a SigV4 header only: signatures are not verified, but revoked keys are refused. */
  private authenticate(authorization: string | undefined): ServiceError | undefined {
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
    return undefined;
  }

  /** Path labels obey the same length limits as the body members of UpdateContactAttributes. */
  private checkLabels(operation: Operation, instanceId: string, contactId: string): ServiceError | undefined {
    const code = operation === "DescribeContact" ? "InvalidParameterException" : "InvalidRequestException";
    const within = (s: string, max: number) => s.length > 0 && (s.length <= max || charLength(s) <= max);
    if (!within(instanceId, LIMITS.instanceIdMax)) {
      return serviceError(code, `InstanceId must be 1 to ${LIMITS.instanceIdMax} characters long.`);
    }
    if (!within(contactId, LIMITS.contactIdMax)) {
      return serviceError(code, `ContactId must be 1 to ${LIMITS.contactIdMax} characters long.`);
    }
    return undefined;
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
        this.reply(res, errorAnswer(serviceError("ThrottlingException", "Rate exceeded")));
        return;
      case 500:
        this.recorder.outcome(operation, "error");
        this.reply(res, errorAnswer(serviceError("InternalServiceException", "Injected internal failure.")));
        return;
      default:
        this.recorder.outcome(operation, "error");
        this.reply(res, gatewayAnswer(fault));
    }
  }

  /** Sends now, or after the configured latency (the decision itself was taken on arrival). */
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
