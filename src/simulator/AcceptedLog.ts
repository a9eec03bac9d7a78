/**
 * The record of accepted (200) updates. Entries are kept in a ring of bounded size, because a backfill of
 * millions of rows would otherwise hold ~270 bytes per call for the life of the process; the counts
 * (total, per operation, per contact) are exact whatever the ring has dropped, so tests and benchmarks
 * that count calls never depend on the ring being large enough.
 */
import type { UpdateOperation } from "./model.js";

export interface AcceptedUpdate {
  /** Which call was accepted. */
  operation: UpdateOperation;
  instanceId: string;
  contactId: string;
  /** The attributes sent (UpdateContactAttributes); `{}` for UpdateContact, so readers of `.attributes` never break. */
  attributes: Record<string, string>;
  /** The fields an UpdateContact call set, as sent on the wire; absent for UpdateContactAttributes. */
  fields?: Record<string, unknown>;
  /** Epoch ms when the simulator accepted it. */
  at: number;
}

export type CallCounts = Record<UpdateOperation, number>;

export interface AcceptedSummary {
  /** Every update accepted since the last reset, whatever the ring kept: index of the next entry. */
  total: number;
  byOperation: CallCounts;
  /** Entries still held; `updates(from)` can return indexes from `total - kept` on. */
  kept: number;
  /** Entries the ring has dropped (total - kept). */
  dropped: number;
  /** Epoch ms of the first and last accepted update, or null when none (exact even when dropped). */
  firstAt: number | null;
  lastAt: number | null;
}

function zero(): CallCounts {
  return { UpdateContactAttributes: 0, UpdateContact: 0 };
}

function keyOf(instanceId: string, contactId: string): string {
  return `${instanceId}\u0000${contactId}`;
}

export const DEFAULT_ACCEPTED_LOG_LIMIT = 100_000;

export class AcceptedLog {
  private ring: AcceptedUpdate[] = [];
  private total = 0;
  private byOperation = zero();
  private perContact = new Map<string, CallCounts>();
  private firstAt: number | null = null;
  private lastAt: number | null = null;

  constructor(private readonly limit: number = DEFAULT_ACCEPTED_LOG_LIMIT) {}

  push(entry: AcceptedUpdate): void {
    if (this.limit > 0) {
      // Until full, ring index = absolute index; after that, absolute index modulo the limit.
      if (this.ring.length < this.limit) this.ring.push(entry);
      else this.ring[this.total % this.limit] = entry;
    }
    this.total++;
    this.byOperation[entry.operation]++;
    const key = keyOf(entry.instanceId, entry.contactId);
    let counts = this.perContact.get(key);
    if (counts === undefined) {
      counts = zero();
      this.perContact.set(key, counts);
    }
    counts[entry.operation]++;
    this.firstAt ??= entry.at;
    this.lastAt = entry.at;
  }

  /**
   * Entries with absolute index >= from still held, oldest first, optionally of one operation. Indexes
   * are absolute (they keep counting when the ring wraps), so a poller's `from = previous total` works.
   */
  since(from = 0, operation?: UpdateOperation): AcceptedUpdate[] {
    const out: AcceptedUpdate[] = [];
    const first = Math.max(from, this.total - this.ring.length);
    for (let i = first; i < this.total; i++) {
      const e = this.ring[this.limit > 0 ? i % this.limit : 0] as AcceptedUpdate;
      if (operation === undefined || e.operation === operation) out.push(copy(e));
    }
    return out;
  }

  /** Exact accepted calls for one contact, per operation (zeros for a contact never updated). */
  countsFor(instanceId: string, contactId: string): CallCounts {
    return { ...(this.perContact.get(keyOf(instanceId, contactId)) ?? zero()) };
  }

  summary(): AcceptedSummary {
    const kept = this.ring.length;
    return {
      total: this.total,
      byOperation: { ...this.byOperation },
      kept,
      dropped: this.total - kept,
      firstAt: this.firstAt,
      lastAt: this.lastAt,
    };
  }

  clear(): void {
    this.ring = [];
    this.total = 0;
    this.byOperation = zero();
    this.perContact = new Map();
    this.firstAt = null;
    this.lastAt = null;
  }
}

function copy(e: AcceptedUpdate): AcceptedUpdate {
  const out: AcceptedUpdate = { ...e, attributes: { ...e.attributes } };
  if (e.fields !== undefined) out.fields = structuredClone(e.fields);
  return out;
}
