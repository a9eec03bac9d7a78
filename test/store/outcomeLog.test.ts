import { redisPerDescribe } from "../integration/helpers.js";
import { describe, expect, it } from "vitest";
import { BREAKER_CODES, keysFor, RUN } from "../../src/store/keys.js";
import { byteSpans, OutcomeLog } from "../../src/store/outcomeLog.js";
import { decodeOutcome } from "../../src/domain/outcomeCodec.js";
import { notSent, sent } from "../../src/domain/outcomes.js";

describe("outcomeLog: which lines are finished (the done bitmap, read by byte spans)", () => {
  const db = redisPerDescribe();

  it("answers as GETBIT does for every line: close, far apart, past the bitmap's end, repeated, unsorted", async () => {
    const keys = keysFor(db.prefix);
    const log = new OutcomeLog(db.redis, keys);
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
      const p = db.redis.pipeline();
      for (const l of set) p.setbit(keys.done(runId), l, 1);
      await p.exec();
      const asked = [0, 7, 8, ...Array.from({ length: 500 }, () => rand(round % 2 === 0 ? 2_500 : 3_100_000)), 50_000_000, 9];
      const want = new Set(asked.filter((l) => set.has(l)));
      expect(await log.finished(runId, asked)).toEqual(want);
    }
    // A run with no outcome yet: no bitmap at all.
    expect(await log.finished("none", [1, 2, 3])).toEqual(new Set());
  });

  it("records each line once, with its counters, its throttles and its error code whatever characters the code holds", async () => {
    const keys = keysFor(db.prefix);
    const log = new OutcomeLog(db.redis, keys);
    const runId = "rec";
    await db.redis.hset(keys.run(runId), RUN.state, "running");
    const breaker = { window: 1000, ratio: 0.5, auth: 5, consecutive: 100, ignore: [] };
    const row = (line: number) => ({ line, contactId: `c${line}`, instanceId: "i" });
    // A service's error name is its own text: a separator, a line end or a quote in it must stay one code.
    const odd = 'Odd|Code\n"1"|2|3';
    const call = (status: "updated" | "failed", errorCode: string, throttles: number) => ({
      status,
      errorCode,
      httpStatus: status === "failed" ? 400 : 200,
      attempts: 1 + throttles,
      throttles,
    });
    const first = await log.record(
      runId,
      [
        { outcome: sent(row(3), call("updated", "", 2), "", { carrier: true }), flag: 1 },
        { outcome: sent(row(9), call("failed", odd, 0), "line 9: no", { carrier: true }), flag: 2 },
        { outcome: notSent(row(12), "unchanged", "", ""), flag: 0 },
      ],
      breaker,
    );
    expect(first).toEqual({ added: 3, state: "running" });
    // The same lines again (a chunk run twice after a crash) and one new: only the new one counts.
    const again = await log.record(
      runId,
      [
        { outcome: sent(row(9), call("failed", odd, 0), "line 9: no", { carrier: true }), flag: 2 },
        { outcome: notSent(row(4000000), "skipped_expired", "ContactExpired", ""), flag: 0 },
      ],
      breaker,
    );
    expect(again.added).toBe(1);
    const h = await db.redis.hgetall(keys.run(runId));
    expect([h[`${RUN.countPrefix}updated`], h[`${RUN.countPrefix}failed`], h[`${RUN.countPrefix}unchanged`], h[`${RUN.countPrefix}skipped_expired`]]).toEqual([
      "1",
      "1",
      "1",
      "1",
    ]);
    expect([h[`${RUN.errorPrefix}${odd}`], h[`${RUN.errorPrefix}ContactExpired`], h[RUN.throttled], h[RUN.breakerSent], h[RUN.breakerFailed]]).toEqual([
      "1",
      "1",
      "2",
      "2",
      "1",
    ]);
    const codes = await db.redis.hgetall(keys.breakerCodes(runId));
    expect([codes[`${BREAKER_CODES.countPrefix}${odd}`], codes[`${BREAKER_CODES.linePrefix}${odd}`]]).toEqual(["1", "9"]);
    const stream = await log.pending(runId, "0-0", 10);
    expect(stream.map((e) => decodeOutcome(e.encoded)).map((o) => [o.line, o.status, o.errorCode])).toEqual([
      [3, "updated", ""],
      [9, "failed", odd],
      [12, "unchanged", ""],
      [4000000, "skipped_expired", "ContactExpired"],
    ]);
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
