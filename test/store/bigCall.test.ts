import { describe, expect, it } from "vitest";
import { notSent, sent } from "../../src/domain/outcomes.js";
import { Canary } from "../../src/store/canary.js";
import { keysFor, RUN } from "../../src/store/keys.js";
import { OutcomeLog } from "../../src/store/outcomeLog.js";
import { SentCalls } from "../../src/store/sentCalls.js";
import { redisPerDescribe } from "../integration/helpers.js";

/**
 * One call can carry a whole contact's rows: a job that sends only what changed keeps a contact's rows in one
 * chunk, so 100,100 rows of one contact were one call, and its script calls got one JavaScript argument per row
 * (two per outcome): "Maximum call stack size exceeded" at every attempt, the chunk never finished.
 */
const ROWS = 150_000;

describe("a call of 150,000 rows: each of its script calls takes every row", () => {
  const db = redisPerDescribe();
  const lines = Array.from({ length: ROWS }, (_, i) => i + 2);

  it("writes every outcome of the call in one step", async () => {
    const keys = keysFor(db.prefix);
    const log = new OutcomeLog(db.redis, keys);
    await db.redis.hset(keys.run("big"), RUN.state, "running");
    const breaker = { window: 1000, ratio: 0.5, auth: 5, consecutive: 100, ignore: [] };
    const carrier = lines[lines.length - 1] as number;
    // Each row its own entry: a sent row (attempts, an answer) never travels in a group.
    const rows = lines.map((line) => ({
      outcome:
        line === carrier
          ? sent({ line, contactId: "c", instanceId: "i" }, { status: "updated", errorCode: "", httpStatus: 200, attempts: 1, throttles: 0 }, "", { carrier: true })
          : sent(
              { line, contactId: "c", instanceId: "i" },
              { status: "updated", errorCode: "", httpStatus: 200, attempts: 1, throttles: 0 },
              `line ${line}: folded`,
              { carrier: false },
            ),
      flag: 1 as const,
    }));
    expect(await log.record("big", rows, breaker)).toEqual({ added: ROWS, state: "running" });
    expect(await db.redis.bitcount(keys.done("big"))).toBe(ROWS);
    expect(await db.redis.xlen(keys.outcomes("big"))).toBe(ROWS);
    // Written again (a second holder of the chunk): nothing new.
    expect((await log.record("big", [{ outcome: notSent({ line: 2, contactId: "c", instanceId: "i" }, "unchanged", "", ""), flag: 0 }], breaker)).added).toBe(0);
  });

  it("counts the call as sent and marks every row as maybe sent", async () => {
    const keys = keysFor(db.prefix);
    await db.redis.hset(keys.run("sent"), RUN.state, "running");
    await new SentCalls(db.redis, keys).count("sent", lines);
    expect(await db.redis.hget(keys.run("sent"), RUN.requests)).toBe("1");
    expect(await db.redis.bitcount(keys.sending("sent"))).toBe(ROWS);
  });

  it("takes a canary's places for every row of the call", async () => {
    const keys = keysFor(db.prefix);
    await db.redis.hset(keys.run("canary"), RUN.state, "running", RUN.canaryLeft, ROWS + 5);
    expect(await new Canary(db.redis, keys).take("canary", lines, "paused")).toBe("send");
    expect(Number(await db.redis.hget(keys.run("canary"), RUN.canaryLeft))).toBe(5);
  });
});
