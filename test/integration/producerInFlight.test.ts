import { afterEach, describe, expect, it } from "vitest";
import type { ChunkJobData } from "../../src/queue/ChunkJob.js";
import { enqueueFile } from "../../src/queue/enqueueFile.js";
import { csv, harness, type Harness } from "./helpers.js";

const options = {
  format: "csv" as const,
  instanceId: "i",
  chunkSize: 5,
  breaker: { window: 1000, ratio: 0.5, auth: 5, consecutive: 25, ignore: [] },
  maxContactAge: { unit: "months" as const, n: 24 },
};

/**
 * The producer reads the next batch while the one before is on its way to Redis. What it saves after a batch
 * lands must be where that batch was closed, not how far the reader got meanwhile: a producer killed right
 * after would otherwise go on past rows that were never queued.
 */
describe("a batch in flight while the next is read", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("saves the position each batch was closed at, once it has landed (the reader is a batch ahead by then)", async () => {
    h = await harness();
    const lines = [["contactId", "v"]];
    // Every fourth row has no contact id: invalid, counted as read, never queued.
    for (let i = 0; i < 48; i++) lines.push([i % 4 === 3 ? "" : `c${i}`, String(i)]);
    const file = await h.file("in-flight.csv", csv(lines));
    const ctx = await h.ctx({ "instance-id": "i" });
    const delivered: ChunkJobData[] = [];
    type Seen = { said: number; saved: { read: number; chunks: number }; landed: { read: number; chunks: number } };
    const checks: Array<Promise<Seen>> = [];
    const res = await enqueueFile(ctx.store, ctx.queues, {
      ...options,
      path: file,
      runId: "in-flight",
      minContactDate: ctx.config.minContactDate,
      target: ctx.config.target,
      deliver: async (chunks) => {
        // Slow, so the reader runs ahead of it (a batch is 2 chunks of 5 valid rows).
        await new Promise((r) => setTimeout(r, 40));
        delivered.push(...chunks);
      },
      onProgress: (read) => {
        // Called once a batch's position is saved: what Redis holds is what a killed producer would go on from.
        const last = delivered.at(-1)?.rows.at(-1)?.[0] ?? 0;
        const landed = { read: last - 1, chunks: delivered.length };
        checks.push(ctx.store.progress("in-flight").then((p) => ({ said: read, saved: { read: p?.read ?? -1, chunks: p?.chunks ?? -1 }, landed })));
      },
    });
    expect(res.rows).toBe(48);
    expect(res.invalid).toBe(12);
    expect(delivered.map((c) => c.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const seen = await Promise.all(checks);
    expect(seen.length).toBe(4);
    // Each batch is closed by its tenth valid row (a header line, then one row a line): rows read up to it.
    expect(seen.map((s) => s.landed)).toEqual([
      { read: 13, chunks: 2 },
      { read: 26, chunks: 4 },
      { read: 39, chunks: 6 },
      { read: 47, chunks: 8 },
    ]);
    for (const s of seen.slice(0, -1)) {
      expect(s.said).toBe(s.landed.read);
      expect(s.saved).toEqual(s.landed);
    }
    // The end: the whole file, its last (invalid) row included.
    expect(seen.at(-1)?.said).toBe(48);
    expect(seen.at(-1)?.saved).toEqual({ read: 48, chunks: 8 });
  });
  it("a run cancelled while a batch lands: every row read is queued or has its outcome, invalid rows read meanwhile included", async () => {
    h = await harness();
    // Four valid rows (one batch of two chunks), three invalid ones read while it lands, four valid again.
    const lines = [
      ["contactId", "v"],
      ...[0, 1, 2, 3].map((i) => [`c${i}`, String(i)]),
      ...[4, 5, 6].map((i) => ["", String(i)]),
      ...[7, 8, 9, 10].map((i) => [`c${i}`, String(i)]),
    ];
    const file = await h.file("cancel-in-flight.csv", csv(lines));
    const ctx = await h.ctx({ "instance-id": "i" });
    const delivered: number[] = [];
    const res = await enqueueFile(ctx.store, ctx.queues, {
      ...options,
      chunkSize: 2,
      path: file,
      runId: "cancel-in-flight",
      minContactDate: ctx.config.minContactDate,
      target: ctx.config.target,
      deliver: async (chunks) => {
        // Cancelled while the first batch is on its way: the producer hears it when the batch has landed.
        if (delivered.length === 0) await ctx.store.cancel("cancel-in-flight", "cancelled by the test");
        await new Promise((r) => setTimeout(r, 40));
        for (const c of chunks) for (const q of c.rows) delivered.push(q[0]);
      },
    });
    expect(res.cancelled).toBe(true);
    expect(delivered).toEqual([2, 3, 4, 5]);
    const read = Array.from({ length: res.rows }, (_, i) => i + 2);
    const withOutcome = await ctx.store.finished("cancel-in-flight", read);
    // Not delivered (no worker will see them): each has its outcome, the invalid rows and the cancelled ones alike.
    expect(read.filter((l) => !delivered.includes(l) && !withOutcome.has(l))).toEqual([]);
    const progress = await ctx.store.progress("cancel-in-flight");
    expect(progress?.counts.invalid).toBe(3);
    expect(progress?.producerDone).toBe(true);
  });
});
