/**
 * Deterministic failure schedule. Faults are consumed in order by the next matching requests, so a test
 * can say "the first attempt for this contact gets a 503, the second succeeds" without timing games.
 * A fault may name an operation: it then waits for a request of that operation and lets others pass
 * (so "the UpdateContact call fails, the UpdateContactAttributes call on the same contact does not").
 */
import type { Fault } from "./errors.js";
import type { Operation } from "./model.js";

interface Entry {
  fault: Fault;
  /** undefined = any operation. */
  operation: Operation | undefined;
}

interface Run extends Entry {
  remaining: number;
}

function matches(entry: Entry, operation: Operation): boolean {
  return entry.operation === undefined || entry.operation === operation;
}

export class FaultQueue {
  private readonly byContact = new Map<string, Entry[]>();
  // Runs rather than one entry per request, so failNext(1e6, 503) costs nothing.
  private global: Run[] = [];

  /** Appends faults for the next requests naming this contact id (of `operation`, or any). */
  inject(contactId: string, faults: readonly Fault[], operation?: Operation): void {
    if (faults.length === 0) return;
    const entries = faults.map((fault) => ({ fault, operation }));
    const queue = this.byContact.get(contactId);
    if (queue === undefined) this.byContact.set(contactId, entries);
    else queue.push(...entries);
  }

  /** Appends `count` copies of a fault for the next requests (of `operation`, or any), whatever their contact. */
  failNext(count: number, fault: Fault, operation?: Operation): void {
    if (count <= 0) return;
    const last = this.global[this.global.length - 1];
    if (last !== undefined && last.fault === fault && last.operation === operation) last.remaining += count;
    else this.global.push({ fault, operation, remaining: count });
  }

  /**
   * The fault this request must suffer, if any: the first matching contact-independent fault, else the
   * first matching fault queued for its contact. Non-matching faults keep their place.
   */
  take(contactId: string | undefined, operation: Operation): Fault | undefined {
    const r = this.global.findIndex((run) => matches(run, operation));
    if (r !== -1) {
      const run = this.global[r] as Run;
      run.remaining--;
      if (run.remaining === 0) this.global.splice(r, 1);
      return run.fault;
    }
    if (contactId === undefined) return undefined;
    const queue = this.byContact.get(contactId);
    if (queue === undefined) return undefined;
    const i = queue.findIndex((entry) => matches(entry, operation));
    if (i === -1) return undefined;
    const [entry] = queue.splice(i, 1);
    if (queue.length === 0) this.byContact.delete(contactId);
    return entry?.fault;
  }

  /** Faults not yet consumed. */
  pending(): number {
    let n = 0;
    for (const run of this.global) n += run.remaining;
    for (const queue of this.byContact.values()) n += queue.length;
    return n;
  }

  clear(): void {
    this.byContact.clear();
    this.global = [];
  }
}
