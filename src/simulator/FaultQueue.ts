/**
 * Deterministic failure schedule. Faults are consumed in order by the next matching requests, so a test
 * can say "the first attempt for this contact gets a 503, the second succeeds" without timing games.
 */
import type { Fault } from "./errors.js";

interface Run {
  fault: Fault;
  remaining: number;
}

export class FaultQueue {
  private readonly byContact = new Map<string, Fault[]>();
  // Runs rather than one entry per request, so failNext(1e6, 503) costs nothing.
  private global: Run[] = [];

  /** Appends faults for the next requests naming this contact id (any operation). */
  inject(contactId: string, faults: readonly Fault[]): void {
    if (faults.length === 0) return;
    const queue = this.byContact.get(contactId);
    if (queue === undefined) this.byContact.set(contactId, [...faults]);
    else queue.push(...faults);
  }

  /** Appends `count` copies of a fault for the next requests, whatever contact they name. */
  failNext(count: number, fault: Fault): void {
    if (count <= 0) return;
    const last = this.global[this.global.length - 1];
    if (last !== undefined && last.fault === fault) last.remaining += count;
    else this.global.push({ fault, remaining: count });
  }

  /** The fault this request must suffer, if any. Contact-independent faults come first. */
  take(contactId: string | undefined): Fault | undefined {
    const run = this.global[0];
    if (run !== undefined) {
      run.remaining--;
      if (run.remaining === 0) this.global.shift();
      return run.fault;
    }
    if (contactId === undefined) return undefined;
    const queue = this.byContact.get(contactId);
    if (queue === undefined) return undefined;
    const fault = queue.shift();
    if (queue.length === 0) this.byContact.delete(contactId);
    return fault;
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
