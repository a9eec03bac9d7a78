import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keysFor } from "../../src/store/keys.js";
import { byteSpans, OutcomeLog } from "../../src/store/outcomeLog.js";
import { deletePrefix, REDIS_URL, uniquePrefix } from "../integration/helpers.js";

describe("outcomeLog: which lines are finished (the done bitmap, read by byte spans)", () => {
  const prefix = uniquePrefix();
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await deletePrefix(prefix);
    redis.disconnect();
  });

  it("answers as GETBIT does for every line: close, far apart, past the bitmap's end, repeated, unsorted", async () => {
    const keys = keysFor(prefix);
    const log = new OutcomeLog(redis, keys);
    // A seeded generator: the same lines on every run, so a failure can be read again.
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 20; round++) {
      const runId = `r${round}`;
      const set = new Set<number>();
      for (let i = 0; i < 300; i++) set.add(rand(round % 2 === 0 ? 2_000 : 3_000_000));
      const p = redis.pipeline();
      for (const l of set) p.setbit(keys.done(runId), l, 1);
      await p.exec();
      const asked = [0, 7, 8, ...Array.from({ length: 500 }, () => rand(round % 2 === 0 ? 2_500 : 3_100_000)), 50_000_000, 9];
      const want = new Set(asked.filter((l) => set.has(l)));
      expect(await log.finished(runId, asked)).toEqual(want);
    }
    // A run with no outcome yet: no bitmap at all.
    expect(await log.finished("none", [1, 2, 3])).toEqual(new Set());
  });

  it("groups lines into spans: a chunk's lines in one read, far lines apart, no span unbounded", () => {
    expect(byteSpans([5, 1, 3, 900, 16]).map(([f, t, l]) => [f, t, l])).toEqual([
      [0, 2, [1, 3, 5, 16]],
      [112, 112, [900]],
    ]);
    const wide = byteSpans(Array.from({ length: 100_000 }, (_, i) => i * 4));
    expect(wide.every(([f, t]) => t - f < 4096)).toBe(true);
    expect(wide.reduce((n, s) => n + s[2].length, 0)).toBe(100_000);
  });
});
