import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BeforeImages } from "../../src/store/BeforeImages.js";
import { keysFor } from "../../src/store/keys.js";
import { deletePrefix, REDIS_URL, uniquePrefix } from "../integration/helpers.js";

describe("BeforeImages (real Redis)", () => {
  let redis: Redis;
  const prefix = uniquePrefix();
  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await deletePrefix(prefix);
    await redis.quit();
  });

  it("keeps the first read of each name: a call sent again after its worker died reads the run's own value back, the image stays the first", async () => {
    const images = new BeforeImages(redis, keysFor(prefix));
    const first = await images.keep("r1", "i", "c1", { a: "old", b: null });
    expect({ ...first }).toEqual({ a: "old", b: null });
    // The dead worker's call landed: the contact now holds the run's values.
    const again = await images.keep("r1", "i", "c1", { a: "run's", b: "run's", c: "new-name-old" });
    expect({ ...again }).toEqual({ a: "old", b: null, c: "new-name-old" });
    // Another run, another contact: their own.
    expect({ ...(await images.keep("r2", "i", "c1", { a: "run's" })) }).toEqual({ a: "run's" });
    expect({ ...(await images.keep("r1", "i", "c2", { a: "x" })) }).toEqual({ a: "x" });
    expect({ ...(await images.keep("r1", "i", "c3", JSON.parse('{"__proto__":"p"}') as Record<string, string>)) }).toEqual(JSON.parse('{"__proto__":"p"}'));
  });

  it("lets go of a contact's values once its outcome carries them, so Redis holds only the calls in flight", async () => {
    const images = new BeforeImages(redis, keysFor(prefix));
    await images.keep("r3", "i", "c1", { a: "old" });
    await images.keep("r3", "i", "c2", { a: "old2" });
    await images.forget("r3", { instanceId: "i", contactId: "c1" }, ["a"]);
    expect(await redis.hlen(keysFor(prefix).beforeImages("r3"))).toBe(1);
  });
});
