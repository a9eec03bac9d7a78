import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keysFor, RUN } from "../../src/store/keys.js";
import { SentCalls } from "../../src/store/sentCalls.js";
import { deletePrefix, REDIS_URL, uniquePrefix } from "../integration/helpers.js";

describe("SentCalls: calls counted as they go, a loop turn's calls in one script", () => {
  const prefix = uniquePrefix();
  const keys = keysFor(prefix);
  let redis: Redis;
  let commands: string[];
  beforeAll(() => {
    redis = new Redis(REDIS_URL);
    commands = [];
    // What goes on the connection, in order (ioredis's own hook for every command sent).
    const send = redis.sendCommand.bind(redis);
    redis.sendCommand = (command, stream) => {
      commands.push(command.name);
      return send(command, stream);
    };
  });
  afterAll(async () => {
    await deletePrefix(prefix);
    redis.disconnect();
  });

  it("counts every call and marks every write line, one script per run per turn, in Redis when it resolves", async () => {
    await redis.hset(keys.run("a"), RUN.requests, 0);
    await redis.hset(keys.run("b"), RUN.requests, 0);
    const sent = new SentCalls(redis, keys);
    commands.length = 0;
    const counted = [sent.count("a", [3, 4]), sent.count("a"), sent.count("b", [9]), sent.count("a", [70_000])];
    // Nothing on the connection yet: the turn is still gathering.
    expect(commands).toEqual([]);
    await counted[0];
    expect(commands.filter((c) => c !== "evalsha" && c !== "eval")).toEqual([]);
    expect(commands.filter((c) => c === "evalsha")).toHaveLength(2);
    // Resolved: Redis has it.
    expect(await redis.hget(keys.run("a"), RUN.requests)).toBe("3");
    await Promise.all(counted);
    expect(await redis.hget(keys.run("b"), RUN.requests)).toBe("1");
    const bit = (run: string, line: number) => redis.getbit(keys.sending(run), line);
    expect([await bit("a", 3), await bit("a", 4), await bit("a", 70_000), await bit("a", 5), await bit("b", 9), await bit("b", 3)]).toEqual([1, 1, 1, 0, 1, 0]);
    // The next turn is a new script.
    commands.length = 0;
    await sent.count("b", [10]);
    expect(commands).toHaveLength(1);
    expect(await redis.hget(keys.run("b"), RUN.requests)).toBe("2");
  });

  it("writes nothing for a run that is gone", async () => {
    const sent = new SentCalls(redis, keys);
    await sent.count("gone", [1]);
    expect(await redis.exists(keys.run("gone"), keys.sending("gone"))).toBe(0);
  });

  it("rejects when Redis cannot count the call", async () => {
    const away = new Redis({ port: 1, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    try {
      await expect(new SentCalls(away, keys).count("a", [1])).rejects.toThrow();
    } finally {
      away.disconnect();
    }
  });
});
