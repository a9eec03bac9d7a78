import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Canary } from "../../src/store/canary.js";
import { keysFor, RUN } from "../../src/store/keys.js";
import { deletePrefix, REDIS_URL, uniquePrefix } from "../integration/helpers.js";

let redis: Redis;
const prefix = uniquePrefix();
const keys = keysFor(prefix);

beforeAll(() => {
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  await deletePrefix(prefix);
  redis.disconnect();
});

describe("the canary's pause and the calls in flight", () => {
  it("a line sent again by a chunk's second holder holds the pause until its call is answered, though the first holder's outcome is in", async () => {
    const canary = new Canary(redis, keys);
    await redis.hset(keys.run("r"), RUN.state, "queued", RUN.canaryLeft, 2);
    expect(await canary.take("r", [1], "paused: canary")).toBe("send");
    expect(await canary.take("r", [2], "paused: canary")).toBe("send");
    // The chunk's lock expired (Redis restarted): a second worker holds it too and sends line 1 again on its place.
    expect(await canary.take("r", [1], "paused: canary")).toBe("send");
    const second = await canary.fly("r");
    expect("landed" in second).toBe(true);
    // The first holder's outcomes land: every leased line is done.
    await redis.setbit(keys.done("r"), 1, 1);
    await redis.setbit(keys.done("r"), 2, 1);
    // Before: paused here, and the second holder's call reached the service after the run said paused.
    expect(await canary.take("r", [3], "paused: canary")).toBe("wait");
    if ("landed" in second) await second.landed();
    expect(await canary.take("r", [3], "paused: canary")).toBe("paused");
    // A call that looks after the pause stays unsent.
    expect(await canary.fly("r")).toEqual({ held: "paused" });
  });
});
