import { redisPerDescribe } from "../integration/helpers.js";
import { describe, expect, it } from "vitest";
import type { RecordedOutcome } from "../../src/domain/breaker.js";
import type { Outcome } from "../../src/domain/Outcome.js";
import { decodeEntry, decodeGroup, encodeGroup } from "../../src/domain/groupCodec.js";
import { decodeOutcome, encodeOutcome } from "../../src/domain/outcomeCodec.js";
import { notSent, sent, wouldUpdate } from "../../src/domain/outcomes.js";
import { keysFor, RUN } from "../../src/store/keys.js";
import { groupAlike, groupArgs, groupText } from "../../src/store/outcomeGroups.js";
import { OutcomeLog } from "../../src/store/outcomeLog.js";
import type { RunManifest } from "../../src/domain/run/manifest.js";
import { RunStore } from "../../src/store/RunStore.js";
import { OutcomeWriter, recordRulesOf } from "../../src/worker/OutcomeWriter.js";

const ref = (line: number, contactId = `c-${line}`, instanceId = "inst") => ({ line, contactId, instanceId });
const unchanged = (line: number, at = 1_700_000_000_000): Outcome => ({
  ...notSent(ref(line), "unchanged", "Unchanged", `line ${line}: not sent: the same values as job "n|ght" last sent to this contact`),
  finishedAt: at,
});
const flag0 = (outcome: Outcome): RecordedOutcome => ({ outcome, flag: 0 });
const breaker = { window: 1000, ratio: 0.5, auth: 5, consecutive: 100, ignore: [] };

describe("outcomeGroups: alike outcomes in one entry", () => {
  it("reads each row of a group back as the outcome its own entry would give (quotes, tabs, unicode, big line numbers)", () => {
    const shared = { instanceId: 'in"st\t', status: "cancelled" as const, errorCode: 'Odd"Code', rest: 'not sent: "x"\n\t\u2028 é]', finishedAt: 1_700_000_000_123 };
    const lines = [2, 77, 4_000_000_000];
    const contacts = ["a", 'b"\\', "ç\u0000\t["];
    const { text, rows } = encodeGroup(shared, lines.join(","), contacts.join("\n"));
    expect(rows).toBe(3);
    expect(text.startsWith("{")).toBe(true);
    expect(text.includes("\n")).toBe(false);
    const want = lines.map((line, i) =>
      decodeOutcome(
        encodeOutcome({
          ...notSent(ref(line, contacts[i], shared.instanceId), shared.status, shared.errorCode, `line ${line}: ${shared.rest}`),
          finishedAt: shared.finishedAt,
        }),
      ),
    );
    expect(decodeGroup(text)).toEqual(want);
    expect(decodeEntry(text)).toEqual(want);
  });

  it("groups rows without a message only where asked (a dry run's spool): read back with no message; never as a stream entry", () => {
    const would = (line: number): RecordedOutcome => flag0({ ...wouldUpdate(ref(line), ""), finishedAt: 1_700_000_000_000 });
    const noted = flag0({ ...wouldUpdate(ref(9), "line 9: would be sent in one call with line 10 of the same contact"), finishedAt: 1_700_000_000_000 });
    const rows = [would(2), would(3), noted, would(4)];
    // By default (what goes to Redis's stream) a row without a message stays an entry of its own.
    expect(groupAlike(rows).groups).toEqual([]);
    const { singles, groups } = groupAlike(rows, { silent: true });
    expect(singles).toEqual([noted]);
    expect(groups.map((g) => [g.rest, g.lines])).toEqual([[null, [2, 3, 4]]]);
    const g = groups[0] as (typeof groups)[0];
    const back = decodeGroup(encodeGroup(g, g.lines.join(","), g.contactIds.join("\n")).text);
    expect(back).toEqual([2, 3, 4].map((line) => decodeOutcome(encodeOutcome(would(line).outcome))));
    expect(back.map((o) => o.message)).toEqual(["", "", ""]);
    expect(() => groupArgs(g)).toThrow(/without a message/);
  });

  it("groups only rows that carry nothing of their own, and keeps the rest one by one in their order", () => {
    const withRecord = notSent(ref(5), "invalid", "Bad", "line 5: is bad", { original: { kind: "csv", cells: ["x"] } as never });
    const applied = sent(ref(6), { status: "updated", errorCode: "", httpStatus: 200, attempts: 1, throttles: 0 }, "line 6: updated", { carrier: true });
    const otherWording = notSent(ref(7), "unchanged", "Unchanged", "not sent (no line first)");
    const newline = { ...unchanged(8), contactId: "c\n8" };
    const rows = [
      flag0(unchanged(2)),
      flag0(withRecord),
      { outcome: applied, flag: 1 as const },
      flag0(unchanged(3)),
      flag0(otherWording),
      flag0(newline),
      flag0(unchanged(4)),
    ];
    const { singles, groups } = groupAlike(rows);
    expect(groups.map((g) => g.lines)).toEqual([[2, 3, 4]]);
    expect(singles.map((s) => s.outcome.line)).toEqual([5, 6, 7, 8]);
    // A lone alike row is no group.
    const lone = groupAlike([flag0(unchanged(9)), flag0(unchanged(10, 1))]);
    expect(lone.groups).toEqual([]);
    expect(lone.singles.map((s) => s.outcome.line)).toEqual([9, 10]);
  });

  it("keeps a group's stream entry as one text of its rows, in their order", () => {
    const fields = ["g", "unchanged", "e", "Unchanged", "t", "1700000000000", "i", "inst", "m", "not sent: same", "l", "2,3", "c", "a\nb"];
    const { text, rows } = groupText(fields);
    expect(rows).toBe(2);
    const got = decodeEntry(text);
    expect(got.map((o) => o.contactId)).toEqual(["a", "b"]);
    expect(got[1]?.message).toBe("line 3: not sent: same");
  });
});

describe("outcomeLog with groups: the same outcomes, counters and done bits as one entry a row", () => {
  const db = redisPerDescribe();
  /** The outcome log, with the runs named in it started. */
  async function logOf(...runIds: string[]): Promise<{ keys: ReturnType<typeof keysFor>; log: OutcomeLog }> {
    const keys = keysFor(db.prefix);
    for (const runId of runIds) await db.redis.hset(keys.run(runId), RUN.state, "running");
    return { keys, log: new OutcomeLog(db.redis, keys) };
  }

  /** Every outcome the stream holds, in line order (as the spool's report reads them), and the run's counters. */
  async function held(log: OutcomeLog, keys: ReturnType<typeof keysFor>, runId: string) {
    const outcomes = (await log.pending(runId, "0-0", 10_000)).flatMap((e) => decodeEntry(e.encoded)).sort((a, b) => a.line - b.line);
    const counters = await db.redis.hgetall(keys.run(runId));
    delete counters[RUN.lastAt];
    // The stream's count of outcomes is kept for grouped runs only (tested on its own).
    delete counters[RUN.streamRows];
    return {
      outcomes,
      counters,
      lines: await log.finished(
        runId,
        outcomes.map((o) => o.line),
      ),
    };
  }

  it("writes a chunk's rows alike as one entry and reads them back as the per-row script did", async () => {
    const { keys, log } = await logOf("one-by-one", "grouped");
    const applied = sent(ref(1), { status: "updated", errorCode: "", httpStatus: 200, attempts: 1, throttles: 0 }, "line 1: updated", { carrier: true });
    const rows: RecordedOutcome[] = [
      { outcome: { ...applied, finishedAt: 1 }, flag: 1 },
      ...Array.from({ length: 700 }, (_, i) => flag0(unchanged(i + 2))),
      flag0({ ...notSent(ref(900), "cancelled", "Cancelled", "line 900: not sent: the run was cancelled"), finishedAt: 5 }),
      flag0({ ...notSent(ref(901), "cancelled", "Cancelled", "line 901: not sent: the run was cancelled"), finishedAt: 5 }),
    ];
    const a = await log.record("one-by-one", rows, breaker, false);
    const b = await log.record("grouped", rows, breaker, true);
    expect(b).toEqual(a);
    expect(await db.redis.xlen(keys.outcomes("grouped"))).toBe(3);
    expect(await held(log, keys, "grouped")).toEqual(await held(log, keys, "one-by-one"));
    expect(await log.inRedis("grouped")).toBe(703);
  });

  it("leaves out of a group's entry, and of its counts, the rows that had an outcome already (a chunk taken up again)", async () => {
    const runId = "again";
    const { keys, log } = await logOf(runId);
    const first = [10, 12, 400, 13].map((l) => flag0(unchanged(l)));
    expect((await log.record(runId, first, breaker, true)).added).toBe(4);
    // The chunk again, whole, with one line twice: only the new rows, once each.
    const again = [9, 10, 11, 12, 13, 14, 14, 400, 401].map((l) => flag0(unchanged(l)));
    expect((await log.record(runId, again, breaker, true)).added).toBe(4);
    const { outcomes, counters } = await held(log, keys, runId);
    expect(outcomes.map((o) => o.line)).toEqual([9, 10, 11, 12, 13, 14, 400, 401]);
    expect(outcomes.map((o) => o.contactId)).toEqual([9, 10, 11, 12, 13, 14, 400, 401].map((l) => `c-${l}`));
    expect(outcomes.every((o) => o.message === `line ${o.line}: not sent: the same values as job "n|ght" last sent to this contact`)).toBe(true);
    expect(counters[`${RUN.countPrefix}unchanged`]).toBe("8");
    expect(counters[`${RUN.errorPrefix}Unchanged`]).toBe("8");
  });

  it("groups a run's outcomes only where its manifest says every reader knows groups (version 2), never a run of the release before", async () => {
    const { keys } = await logOf("v1", "v2");
    const store = new RunStore(db.redis, keys);
    const writer = new OutcomeWriter(
      store,
      (runId) =>
        recordRulesOf({
          version: runId === "v1" ? 1 : 2,
          breakerWindow: 1000,
          breakerRatio: 0.5,
          breakerAuth: 5,
          breakerConsecutive: 25,
          breakerIgnore: [],
        } as unknown as RunManifest),
      0,
    );
    for (const runId of ["v1", "v2"]) {
      await writer.addAll(
        runId,
        [2, 3, 4].map((l) => flag0(unchanged(l))),
      );
    }
    expect([await db.redis.xlen(keys.outcomes("v1")), await db.redis.xlen(keys.outcomes("v2"))]).toEqual([3, 1]);
    // The count of outcomes in the stream is kept for the grouped run only: a release before trims a run's
    // stream without lowering it, so its runs are read by their stream's length.
    expect([await db.redis.hget(keys.run("v1"), RUN.streamRows), await db.redis.hget(keys.run("v2"), RUN.streamRows)]).toEqual([null, "3"]);
  });

  it("counts the outcomes a stream holds, not its entries, as they are trimmed; a run of the release before by its length", async () => {
    const runId = "counted";
    const { keys, log } = await logOf(runId);
    await log.record(
      runId,
      [2, 3, 4, 5].map((l) => flag0(unchanged(l))),
      breaker,
      true,
    );
    await log.record(runId, [flag0(notSent(ref(6), "invalid", "Bad", "line 6: is bad", { original: { kind: "jsonl", raw: "{}" } as never }))], breaker, true);
    await log.record(
      runId,
      [7, 8].map((l) => flag0(unchanged(l))),
      breaker,
      true,
    );
    expect([await db.redis.xlen(keys.outcomes(runId)), await log.inRedis(runId)]).toEqual([3, 7]);
    const pending = await log.pending(runId, "0-0", 2);
    expect(pending.map((e) => e.rows)).toEqual([4, 1]);
    await log.trim(runId, pending.at(-1)?.id as string);
    expect(await log.inRedis(runId)).toBe(2);
    const rest = await log.pending(runId, "0-0", 10);
    await log.trim(runId, rest.at(-1)?.id as string);
    expect(await log.inRedis(runId)).toBe(0);
    // A release before groups kept no count: one entry a row, its length says it.
    await db.redis.xadd(keys.outcomes("before"), "*", "o", "[2]");
    await db.redis.xadd(keys.outcomes("before"), "*", "o", "[3]");
    await db.redis.hset(keys.run("before"), RUN.state, "running");
    expect(await log.inRedis("before")).toBe(2);
  });

  it("keeps a row whose text is not well-formed UTF-16 (a lone surrogate) out of groups: it comes back exactly as written", async () => {
    const runId = "surrogates";
    const { log } = await logOf(runId);
    const cut = { ...unchanged(3), contactId: "xx\ud83d" };
    const rows = [flag0(unchanged(2)), flag0(cut), flag0(unchanged(4))];
    expect(groupAlike(rows).singles.map((s) => s.outcome.line)).toEqual([3]);
    await log.record(runId, rows, breaker, true);
    const back = (await log.pending(runId, "0-0", 10)).flatMap((e) => decodeEntry(e.encoded)).sort((a, b) => a.line - b.line);
    expect(back.map((o) => o.contactId)).toEqual(["c-2", "xx\ud83d", "c-4"]);
  });

  it("a drain's batch ends after whole entries once it holds enough rows, whatever a group holds", async () => {
    const runId = "paged";
    const { log } = await logOf(runId);
    for (let e = 0; e < 10; e++)
      await log.record(
        runId,
        Array.from({ length: 500 }, (_, i) => flag0(unchanged(2 + e * 500 + i))),
        breaker,
        true,
      );
    const rowsOf = (entries: ReadonlyArray<{ rows: number }>) => entries.reduce((n, e) => n + e.rows, 0);
    const first = await log.pending(runId, "0-0", 5000, 1200);
    // Three groups: the third took the batch past 1,200, and a batch ends after a whole entry.
    expect([first.length, rowsOf(first)]).toEqual([3, 1500]);
    const rest = await log.pending(runId, first.at(-1)?.id as string, 5000, 1200);
    expect([rest.length, rowsOf(rest)]).toEqual([3, 1500]);
    const all = await log.pending(runId, "0-0", 5000);
    expect(rowsOf(all)).toBe(5000);
    expect(new Set(all.flatMap((e) => decodeEntry(e.encoded)).map((o) => o.line)).size).toBe(5000);
  });

  it("writes nothing for a run whose hash is gone", async () => {
    const { keys, log } = await logOf();
    expect(await log.record("gone", [flag0(unchanged(2)), flag0(unchanged(3))], breaker, true)).toEqual({ added: 0, state: "gone" });
    expect(await db.redis.exists(keys.outcomes("gone"), keys.done("gone"))).toBe(0);
  });
});
