import type { ChunkJobData } from "../domain/queuedRow.js";

/** Rows read, while a batch is on its way, between two turns of the event loop (for Redis's replies to it). */
const YIELD_EVERY_ROWS = 100;

/**
 * The producer's one batch of chunks on its way to Redis while it reads the next: Redis (and a dry run's or a
 * settle-ahead's planning) works on one batch while the file is read for the next. One at a time, in file order:
 * a batch is started only once the one before has landed, so a contact's earlier rows are in Redis before its
 * later ones go, and the position saved after a batch never counts a chunk that is not there.
 */
export class BatchInFlight {
  private batch: Promise<void> | undefined;
  private failed = false;
  private sinceLook = 0;
  /** The chunks of the batch in flight that are not in Redis yet (all of them, if it failed before they were). */
  sending: readonly ChunkJobData[] = [];

  /**
   * Starts sending `jobs`: `send` calls `inRedis` once they are all in Redis (then saves the position). A failure
   * is thrown where the batch is awaited (`landed`, or the reader's next `look`), never left unhandled.
   */
  start(jobs: readonly ChunkJobData[], send: (jobs: readonly ChunkJobData[], inRedis: () => void) => Promise<void>): void {
    this.sending = jobs;
    const batch = send(jobs, () => {
      this.sending = [];
    });
    batch.then(
      () => {
        if (this.batch === batch) this.batch = undefined;
      },
      () => {
        this.failed = true;
      },
    );
    this.batch = batch;
  }

  /** Waits for the batch in flight: its chunks are in Redis and its position saved, or its error is thrown here. */
  async landed(): Promise<void> {
    const batch = this.batch;
    this.batch = undefined;
    await batch;
  }

  /**
   * Said for each row read: while a batch is in flight, every so many rows a turn of the event loop (a buffered
   * input is read in microtasks alone, and Redis's replies to the batch would wait until the next one is read),
   * and a batch that failed is heard then, not a batch later. A promise only when there is something to await.
   */
  look(): Promise<void> | undefined {
    if (!this.batch || ++this.sinceLook < YIELD_EVERY_ROWS) return undefined;
    this.sinceLook = 0;
    return new Promise<void>((resolve) => setImmediate(resolve)).then(() => (this.failed ? this.landed() : undefined));
  }
}
