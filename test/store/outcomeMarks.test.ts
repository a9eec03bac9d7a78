import { redisPerDescribe } from "../integration/helpers.js";
import { describe, expect, it } from "vitest";
import type { Outcome } from "../../src/domain/Outcome.js";
import { keysFor, RUN } from "../../src/store/keys.js";
import { OutcomeLog } from "../../src/store/outcomeLog.js";
import { OutcomeMarks } from "../../src/store/outcomeMarks.js";

const BREAKER = { window: 1000, ratio: 0.5, auth: 10, consecutive: 50, ignore: [] };

function outcome(line: number, status: Outcome["status"], errorCode = "", throttles = 0): Outcome {
  return {
    line,
    contactId: `c${line}`,
    instanceId: "i",
    status,
    errorCode,
    httpStatus: undefined,
    message: "",
    attempts: 0,
    throttles,
    finishedAt: 1,
    original: undefined,
  };
}

describe("OutcomeMarks: the outcome log's done bits and counters, without the stream", () => {
  const db = redisPerDescribe();

  it("leaves the run's hash and done bitmap as the outcome log's script does, and says which lines already had one", async () => {
    const keys = keysFor(db.prefix);
    const log = new OutcomeLog(db.redis, keys);
    const marks = new OutcomeMarks(db.redis, keys);
    const rows = [
      outcome(2, "would_update"),
      outcome(3, "skipped_pre_api", "ContactBeforeApi"),
      outcome(5, "unchanged", "Unchanged"),
      outcome(6, "would_update"),
      outcome(900_001, "skipped_expired", "ContactExpired", 2),
      outcome(7, "skipped_pre_api", "ContactBeforeApi"),
    ];
    for (const runId of ["viaLog", "viaMarks"]) await db.redis.hset(keys.run(runId), "state", "running");
    await db.redis.setbit(keys.done("viaLog"), 6, 1);
    await db.redis.setbit(keys.done("viaMarks"), 6, 1);
    await log.record(
      "viaLog",
      rows.map((o) => ({ outcome: o, flag: 0 })),
      BREAKER,
    );
    const marked = await marks.mark("viaMarks", rows);
    expect(marked).toEqual({ already: new Set([6]), state: "running" });
    const [a, b] = await Promise.all([db.redis.hgetall(keys.run("viaLog")), db.redis.hgetall(keys.run("viaMarks"))]);
    // The time of the latest outcome is now, for both.
    expect(Math.abs(Number(a.lastAt) - Number(b.lastAt))).toBeLessThan(5_000);
    // The stream's count of outcomes is the log's alone: marked rows have no entry.
    expect({ ...b, lastAt: "" }).toEqual({ ...withoutStreamRows(a), lastAt: "" });
    expect(await db.redis.getBuffer(keys.done("viaMarks"))).toEqual(await db.redis.getBuffer(keys.done("viaLog")));
    // Nothing in the stream: the outcomes themselves are kept elsewhere.
    expect(await db.redis.exists(keys.outcomes("viaMarks"))).toBe(0);
    // Marked again: nothing counted twice.
    expect((await marks.mark("viaMarks", rows)).already).toEqual(new Set(rows.map((r) => r.line)));
    expect(await db.redis.hgetall(keys.run("viaMarks"))).toEqual(b);
  });

  it("agrees with the outcome log on a chunk of lines near and far, a line twice in one call and a span longer than 4,000 bytes", async () => {
    const keys = keysFor(db.prefix);
    const log = new OutcomeLog(db.redis, keys);
    const marks = new OutcomeMarks(db.redis, keys);
    const lines = [
      // every bit of the first bytes, out of order
      ...[9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 15, 16],
      // 120 lines 60 bytes apart: one span of ~7,200 bytes
      ...Array.from({ length: 120 }, (_, i) => 1_000 + i * 480),
      // far apart: spans of their own
      3_000_000,
      70_000,
      // twice in one call
      9,
      70_000,
    ];
    // By line: a line met twice says the same both times (which of two differing outcomes of one line is kept is
    // the caller's to settle: a dry run's writer keeps the first before it marks).
    const rows = lines.map((l) => outcome(l, l % 3 === 0 ? "would_update" : "unchanged", l % 3 === 0 ? "" : "Unchanged", l % 5 === 0 ? 1 : 0));
    for (const runId of ["bigLog", "bigMarks"]) {
      await db.redis.hset(keys.run(runId), "state", "running");
      // some lines already have an outcome
      for (const l of [4, 1_480, 3_000_000]) await db.redis.setbit(keys.done(runId), l, 1);
    }
    await log.record(
      "bigLog",
      rows.map((o) => ({ outcome: o, flag: 0 })),
      BREAKER,
    );
    const marked = await marks.mark("bigMarks", rows);
    expect(marked.already).toEqual(new Set([4, 1_480, 3_000_000, 9, 70_000]));
    expect(await db.redis.getBuffer(keys.done("bigMarks"))).toEqual(await db.redis.getBuffer(keys.done("bigLog")));
    const [a, b] = await Promise.all([db.redis.hgetall(keys.run("bigLog")), db.redis.hgetall(keys.run("bigMarks"))]);
    // The stream's count of outcomes is the log's alone: marked rows have no entry.
    expect({ ...b, lastAt: "" }).toEqual({ ...withoutStreamRows(a), lastAt: "" });
    expect(Number(b["c:unchanged"]) + Number(b["c:would_update"])).toBe(new Set(lines).size - 3);
  });

  it("a run whose hash is gone gets no keys", async () => {
    const keys = keysFor(db.prefix);
    const marks = new OutcomeMarks(db.redis, keys);
    expect(await marks.mark("gone", [outcome(1, "would_update")])).toEqual({ already: new Set(), state: "gone" });
    expect(await db.redis.exists(keys.done("gone"), keys.run("gone"))).toBe(0);
  });
});

function withoutStreamRows(hash: Record<string, string>): Record<string, string> {
  const { [RUN.streamRows]: _, ...rest } = hash;
  return rest;
}
