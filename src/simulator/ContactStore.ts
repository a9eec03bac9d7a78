/**
 * In-memory contacts, keyed by (instance id, initial contact id): attributes belong to the initial
 * contact in Connect, so transfer legs are not modelled.
 */
import { serviceError, type ServiceError } from "./errors.js";
import { LIMITS, utf8Bytes } from "./validateUpdate.js";

export interface ContactSeed {
  instanceId: string;
  contactId: string;
  initiationTimestamp: Date;
  attributes?: Record<string, string>;
}

export interface StoredContact {
  readonly instanceId: string;
  readonly contactId: string;
  readonly initiationTimestamp: Date;
  readonly attributes: Map<string, string>;
  /** UTF-8 bytes of all keys and values, kept so each merge checks the contact limit in O(request). */
  bytes: number;
}

export type Operation = "UpdateContactAttributes" | "GetContactAttributes" | "DescribeContact";

/** UpdateContactAttributes went live on this day; Connect refuses to update older contacts. */
export const API_RELEASE = Date.UTC(2018, 8, 12);

/** Contact ids with this prefix are never auto-created, so tests can get a 404 with autoCreate on. */
export const MISSING_PREFIX = "missing-";

const AUTO_CREATED_AGE_MS = 60 * 60 * 1000;

export interface ContactStoreOptions {
  autoCreate: boolean;
  retentionMonths: number;
  now?: () => number;
}

function keyOf(instanceId: string, contactId: string): string {
  return `${instanceId}\u0000${contactId}`;
}

function bytesOf(attributes: Map<string, string>): number {
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

  /** Adds or replaces a contact (replacing drops its old attributes). */
  add(seed: ContactSeed): StoredContact {
    const attributes = new Map(Object.entries(seed.attributes ?? {}));
    const contact: StoredContact = {
      instanceId: seed.instanceId,
      contactId: seed.contactId,
      initiationTimestamp: new Date(seed.initiationTimestamp.getTime()),
      attributes,
      bytes: bytesOf(attributes),
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
      if (!this.options.autoCreate || contactId.startsWith(MISSING_PREFIX)) {
        return this.instances.has(instanceId) || this.options.autoCreate
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
      return serviceError(
        "InvalidRequestException",
        `Contact ${contactId} was initiated before the UpdateContactAttributes API was released (2018-09-12).`,
      );
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
   * (nothing changes) if the contact would exceed the per-contact byte limit.
   */
  merge(contact: StoredContact, attributes: Record<string, string>): ServiceError | undefined {
    let bytes = contact.bytes;
    for (const [k, v] of Object.entries(attributes)) {
      const old = contact.attributes.get(k);
      bytes += old === undefined ? utf8Bytes(k) + utf8Bytes(v) : utf8Bytes(v) - utf8Bytes(old);
    }
    if (bytes > LIMITS.totalBytesMax) {
      return serviceError(
        "InvalidParameterException",
        `Contact ${contact.contactId} would hold ${bytes} bytes of attributes; the limit is ${LIMITS.totalBytesMax}.`,
      );
    }
    for (const [k, v] of Object.entries(attributes)) contact.attributes.set(k, v);
    contact.bytes = bytes;
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
