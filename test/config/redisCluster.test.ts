import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/ConfigError.js";
import { hasHashTag, loadConfig } from "../../src/config/loadConfig.js";
import { clusterSeedOf } from "../../src/queue/redisConnection.js";

describe("--redis-cluster", () => {
  it("a hash tag is what stands between the first { and the next }, when not empty", () => {
    for (const p of ["{cb}", "{cb}:x", "x{cb}", "{a}{b}", "{{cb}"]) expect(hasHashTag(p), p).toBe(true);
    for (const p of ["cb", "{}cb", "{}{cb}", "cb}", "{cb", "}{"]) expect(hasHashTag(p), p).toBe(false);
  });

  it("needs a hash-tagged prefix, from the flag or REDIS_CLUSTER", () => {
    expect(loadConfig({ "redis-cluster": true, prefix: "{cb}" }, {}).redisCluster).toBe(true);
    expect(loadConfig({ prefix: "{cb}" }, { REDIS_CLUSTER: "true" }).redisCluster).toBe(true);
    expect(loadConfig({ prefix: "{cb}" }, { REDIS_CLUSTER: "1" }).redisCluster).toBe(true);
    expect(loadConfig({}, { REDIS_CLUSTER: "false" }).redisCluster).toBe(false);
    expect(loadConfig({}, { REDIS_CLUSTER: "" }).redisCluster).toBe(false);
    // The flag wins over the environment, as everywhere.
    expect(loadConfig({ "redis-cluster": false }, { REDIS_CLUSTER: "true" }).redisCluster).toBe(false);
    expect(() => loadConfig({ "redis-cluster": true }, {})).toThrow(
      new ConfigError('--redis-cluster needs a --prefix with a hash tag, such as {cb}, so every key lands in one hash slot; got "cb"'),
    );
    expect(() => loadConfig({ "redis-cluster": true }, { CONNECT_BACKFILL_PREFIX: "{}x" })).toThrow(/such as \{x\}/);
    expect(() => loadConfig({}, { REDIS_CLUSTER: "yes" })).toThrow(new ConfigError('REDIS_CLUSTER must be true or false, got "yes"'));
  });

  it("gives every node the URL's user, password, TLS and options; the seed is the URL's host and port", () => {
    expect(clusterSeedOf("redis://10.0.0.1:7000")).toEqual({ host: "10.0.0.1", port: 7000, tls: false, redisOptions: {} });
    expect(clusterSeedOf("rediss://app:p%40ss@cfg.example.cache.amazonaws.com?family=6")).toEqual({
      host: "cfg.example.cache.amazonaws.com",
      port: 6379,
      tls: true,
      redisOptions: { username: "app", password: "p@ss", tls: {}, family: 6 },
    });
    expect(() => clusterSeedOf("http://x")).toThrow(/must start with redis:\/\/ or rediss:\/\//);
    expect(() => clusterSeedOf("not a url :pw@")).toThrow("REDIS_URL is not a valid Redis URL (redis://host:port or rediss://host:port).");
  });
});
