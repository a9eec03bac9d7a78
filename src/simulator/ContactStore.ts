/**
 * In-memory contacts, keyed by (instance id, contact id).
 *
 * Attribute semantics (unchanged since the first version, documented here because chains now exist):
 * each stored contact holds its own attribute map, and UpdateContactAttributes / GetContactAttributes
 * read and write the map of the contact whose id they name. In Connect that id is the InitialContactId
 * (first leg), which is where a contact chain's attributes live; the simulator does not copy attributes
 * between the legs of a chain, so a test that wants a transfer leg to show them seeds them on the
 * initial contact and addresses it by its id. DescribeContact returns the map of the contact it names.
 */
import { serviceError, type ServiceError } from "./errors.js";
import type { Channel, InitiationMethod, Operation } from "./model.js";
import { LIMITS, utf8Bytes } from "./validateUpdate.js";

export type { Operation } from "./model.js";

/** shape SegmentAttributeValue (recursive through ValueMap / ValueList). */
export interface SegmentAttributeValue {
  ValueString?: string;
  ValueInteger?: number;
  ValueArn?: string;
  ValueMap?: Record<string, SegmentAttributeValue>;
  ValueList?: SegmentAttributeValue[];
}

/** shape Reference. */
export interface Reference {
  Type: string;
  Value?: string;
  Status?: string;
  Arn?: string;
  StatusReason?: string;
}

/** shape Endpoint. */
export interface ContactEndpoint {
  Type?: string;
  Address?: string;
}

export interface ContactSeed {
  instanceId: string;
  contactId: string;
  initiationTimestamp: Date;
  /** User-defined attributes the contact already holds (counted against the 32,768-byte total). */
  attributes?: Record<string, string>;
  /** First leg of the chain; default: the contact itself. */
  initialContactId?: string;
  /** The leg before this one (transfers); default: none. */
  previousContactId?: string;
  /** Default TRANSFER when previousContactId is set, else INBOUND. */
  initiationMethod?: InitiationMethod;
  /** Default VOICE. */
  channel?: Channel;
  /** Absent means the contact is still ongoing (DescribeContact then omits it, as Connect does). */
  disconnectTimestamp?: Date;
  name?: string;
  description?: string;
  references?: Record<string, Reference>;
  segmentAttributes?: Record<string, SegmentAttributeValue>;
}

export interface StoredContact {
  readonly instanceId: string;
  readonly contactId: string;
  readonly initiationTimestamp: Date;
  readonly initialContactId: string;
  readonly previousContactId: string | undefined;
  readonly initiationMethod: InitiationMethod;
  readonly channel: Channel;
  readonly disconnectTimestamp: Date | undefined;
  /** Set at creation, then by every accepted update of either kind. */
  lastUpdateTimestamp: Date;
  readonly attributes: Map<string, string>;
  /** UTF-8 bytes of all keys and values, kept so each merge checks the contact limit in O(request). */
  bytes: number;
  name: string | undefined;
  description: string | undefined;
  readonly references: Map<string, Reference>;
  readonly segmentAttributes: Map<string, SegmentAttributeValue>;
  queueId: string | undefined;
  userId: string | undefined;
  customerEndpoint: ContactEndpoint | undefined;
  systemEndpoint: ContactEndpoint | undefined;
}

/** UpdateContactAttributes went live on this day; Connect refuses to update older contacts. */
export const API_RELEASE = Date.UTC(2018, 8, 12);

/** Contact ids with this prefix are never auto-created, so tests can get a 404 with autoCreate on. */
export const MISSING_PREFIX = "missing-";

const AUTO_CREATED_AGE_MS = 60 * 60 * 1000;

export interface ContactStoreOptions {
  /** Operations for which an unknown contact is created on the fly (started an hour ago). */
  autoCreateFor: ReadonlySet<Operation>;
  retentionMonths: number;
  now?: () => number;
}

function keyOf(instanceId: string, contactId: string): string {
  return `${instanceId}\u0000${contactId}`;
}

export function attributeBytes(attributes: Iterable<[string, string]>): number {
  let total = 0;
  for (const [k, v] of attributes) total += utf8Bytes(k) + utf8Bytes(v);
  return total;
}

export class ContactStore {
  private readonly contacts = new Map<string, StoredContact>();
  private readonly instances = new Set<string>();
  private readonly now: () => number;

  constructor(private readonly options: ContactStoreOptions) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.contacts.size;
  }

  /** Adds or replaces a contact (replacing drops everything the old one held). */
  add(seed: ContactSeed): StoredContact {
    const attributes = new Map(Object.entries(seed.attributes ?? {}));
    const initiationMethod = seed.initiationMethod ?? (seed.previousContactId === undefined ? "INBOUND" : "TRANSFER");
    const contact: StoredContact = {
      instanceId: seed.instanceId,
      contactId: seed.contactId,
      initiationTimestamp: new Date(seed.initiationTimestamp.getTime()),
      initialContactId: seed.initialContactId ?? seed.contactId,
      previousContactId: seed.previousContactId,
      initiationMethod,
      channel: seed.channel ?? "VOICE",
      disconnectTimestamp: seed.disconnectTimestamp === undefined ? undefined : new Date(seed.disconnectTimestamp.getTime()),
      lastUpdateTimestamp: new Date((seed.disconnectTimestamp ?? seed.initiationTimestamp).getTime()),
      attributes,
      bytes: attributeBytes(attributes),
      name: seed.name,
      description: seed.description,
      references: new Map(Object.entries(seed.references ?? {}).map(([k, v]) => [k, { ...v }])),
      segmentAttributes: new Map(Object.entries(structuredClone(seed.segmentAttributes ?? {}))),
      queueId: undefined,
      userId: undefined,
      customerEndpoint: undefined,
      systemEndpoint: undefined,
    };
    this.contacts.set(keyOf(seed.instanceId, seed.contactId), contact);
    this.instances.add(seed.instanceId);
    return contact;
  }

  /** The stored contact, without auto-creation or age checks. */
  peek(instanceId: string, contactId: string): StoredContact | undefined {
    return this.contacts.get(keyOf(instanceId, contactId));
  }

  /**
   * Finds the contact an operation targets, or the error Connect would answer: 404 when unknown,
   * 400 when UpdateContactAttributes targets a contact from before the API existed (checked first,
   * as those contacts are also past retention), 404 when past retention.
   */
  resolve(instanceId: string, contactId: string, operation: Operation): StoredContact | ServiceError {
    let contact = this.contacts.get(keyOf(instanceId, contactId));
    if (contact === undefined) {
      const create = this.options.autoCreateFor.has(operation) && !contactId.startsWith(MISSING_PREFIX);
      if (!create) {
        return this.instances.has(instanceId) || this.options.autoCreateFor.size > 0
          ? serviceError("ResourceNotFoundException", `Contact ${contactId} not found in instance ${instanceId}.`)
          : serviceError("ResourceNotFoundException", `Instance ${instanceId} not found.`);
      }
      contact = this.add({
        instanceId,
        contactId,
        initiationTimestamp: new Date(this.now() - AUTO_CREATED_AGE_MS),
      });
    }
    const started = contact.initiationTimestamp.getTime();
    if (operation === "UpdateContactAttributes" && started < API_RELEASE) {
      return serviceError("InvalidRequestException", `Contact ${contactId} was initiated before the UpdateContactAttributes API was released (2018-09-12).`);
    }
    if (started < this.retentionCutoff()) {
      return serviceError(
        "ResourceNotFoundException",
        `Contact ${contactId} not found: its data was deleted ${this.options.retentionMonths} months after it started.`,
      );
    }
    return contact;
  }

  /**
   * Applies Connect's merge: given keys are created or overwritten, others kept. Refused as a whole
   * (nothing changes) if the contact would exceed the per-contact byte limit, counting what it already
   * holds: the limit is "32,768 UTF-8 bytes across all attributes for a contact" (model documentation
   * of UpdateContactAttributesRequest.Attributes), keys and values both counted.
   */
  merge(contact: StoredContact, attributes: Record<string, string>): ServiceError | undefined {
    let bytes = contact.bytes;
    for (const [k, v] of Object.entries(attributes)) {
      const old = contact.attributes.get(k);
      bytes += old === undefined ? utf8Bytes(k) + utf8Bytes(v) : utf8Bytes(v) - utf8Bytes(old);
    }
    if (bytes > LIMITS.totalBytesMax) {
      return serviceError("InvalidParameterException", `Contact ${contact.contactId} would hold ${bytes} bytes of attributes; the limit is ${LIMITS.totalBytesMax}.`);
    }
    for (const [k, v] of Object.entries(attributes)) contact.attributes.set(k, v);
    contact.bytes = bytes;
    contact.lastUpdateTimestamp = new Date(this.now());
    return undefined;
  }

  private retentionCutoff(): number {
    const cutoff = new Date(this.now());
    cutoff.setUTCMonth(cutoff.getUTCMonth() - this.options.retentionMonths);
    return cutoff.getTime();
  }
}

/** Attributes as a plain object; Object.fromEntries keeps a "__proto__" key as data, which the pattern allows. */
export function attributesObject(contact: StoredContact): Record<string, string> {
  return Object.fromEntries(contact.attributes);
}

/** Everything the simulator holds about a contact, as plain JSON-able data (for tests and /__sim/contacts). */
export interface ContactSnapshot {
  instanceId: string;
  contactId: string;
  initialContactId: string;
  previousContactId: string | null;
  initiationMethod: InitiationMethod;
  channel: Channel;
  /** ISO-8601. */
  initiationTimestamp: string;
  disconnectTimestamp: string | null;
  lastUpdateTimestamp: string;
  attributes: Record<string, string>;
  name: string | null;
  description: string | null;
  references: Record<string, Reference>;
  segmentAttributes: Record<string, SegmentAttributeValue>;
  queueId: string | null;
  userId: string | null;
  customerEndpoint: ContactEndpoint | null;
  systemEndpoint: ContactEndpoint | null;
}

export function snapshotOf(c: StoredContact): ContactSnapshot {
  return structuredClone({
    instanceId: c.instanceId,
    contactId: c.contactId,
    initialContactId: c.initialContactId,
    previousContactId: c.previousContactId ?? null,
    initiationMethod: c.initiationMethod,
    channel: c.channel,
    initiationTimestamp: c.initiationTimestamp.toISOString(),
    disconnectTimestamp: c.disconnectTimestamp?.toISOString() ?? null,
    lastUpdateTimestamp: c.lastUpdateTimestamp.toISOString(),
    attributes: attributesObject(c),
    name: c.name ?? null,
    description: c.description ?? null,
    references: Object.fromEntries(c.references),
    segmentAttributes: Object.fromEntries(c.segmentAttributes),
    queueId: c.queueId ?? null,
    userId: c.userId ?? null,
    customerEndpoint: c.customerEndpoint ?? null,
    systemEndpoint: c.systemEndpoint ?? null,
  });
}
