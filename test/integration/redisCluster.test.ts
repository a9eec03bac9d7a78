import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cli, harness, REDIS_URL, rows, until, type Harness } from "./helpers.js";
import { hasOpenssl, hasRedisCli, keysOn, startCluster, startSingle, stopAll } from "./localCluster.js";
import { freePort, hasRedisServer } from "./privateRedis.js";

// Redis Cluster, TLS and passwords on real redis-server processes started by each test.

let h: Harness | undefined;
afterEach(async () => {
  await stopAll();
  await h?.close();
  h = undefined;
});

const PASSWORD = "s3cret-pw";

/** `run` of `n` rows (contacts r0… setting v to their index) as a user types it, on the Redis `redisArgs` name. */
async function runRows(x: Harness, n: number, runId: string, redisArgs: string[], env: Record<string, string> = {}) {
  const file = await x.file(`${runId}.csv`, rows(n, "r"));
  const args = ["run", file, "--instance-id", "i", "--run-id", runId, "--chunk-size", "10", "--rate", "200"];
  return cli([...args, "--endpoint", x.endpoint, "--reports-dir", join(x.dir, "reports"), "--log-level", "warn", ...redisArgs], env);
}

function expectEveryRowSent(x: Harness, n: number): void {
  for (let i = 0; i < n; i++) expect(x.sim.attributesOf("i", `r${i}`)).toEqual({ v: String(i) });
}

function oneSentence(stderr: string): string {
  const lines = stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  return lines[0] as string;
}

describe.runIf(hasRedisServer && hasRedisCli)("Redis Cluster (3 masters, no replicas)", () => {
  it("run and status with --redis-cluster and a hash-tagged prefix: every row sent, every key in one slot on one master", async () => {
    const cluster = await startCluster();
    h = await harness();
    const tagged = `{${h.prefix}}`;
    const res = await runRows(h, 40, "cl-run", ["--redis-cluster", "--redis-url", cluster.url, "--prefix", tagged]);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/run cl-run: 40 rows, finished/);
    expect(res.stdout).toMatch(/updated\s+40/);
    expectEveryRowSent(h, 40);

    // REDIS_CLUSTER=true does what the flag does.
    const status = await cli(["status", "cl-run", "--redis-url", cluster.url, "--prefix", tagged], { REDIS_CLUSTER: "true" });
    expect(status.stderr).toBe("");
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/cl-run/);
    expect(status.stdout).toMatch(/finished/);

    // BullMQ's keys and ours: all under the tag, so all on the one master that owns its slot.
    const perNode = await Promise.all(cluster.ports.map((p) => keysOn(p)));
    const holding = perNode.filter((keys) => keys.length > 0);
    expect(holding).toHaveLength(1);
    expect(holding[0]?.some((k) => k.startsWith(`${tagged}:chunks.cl-run:`))).toBe(true);
    expect(holding[0]?.every((k) => k.startsWith(`${tagged}:`))).toBe(true);
  });

  it("a job's change memory on the cluster: --only-changed sends nothing the second night, --forget clears every bucket", async () => {
    const cluster = await startCluster();
    h = await harness();
    const redis = ["--redis-cluster", "--redis-url", cluster.url, "--prefix", `{${h.prefix}}`, "--job-name", "nightly"];
    expect((await runRows(h, 60, "n1", [...redis, "--only-changed"])).code).toBe(0);
    expect(h.sim.acceptedCount()).toBe(60);
    const n2 = await runRows(h, 60, "n2", [...redis, "--only-changed"]);
    expect(n2.code, n2.stderr).toBe(0);
    expect(n2.stdout).toMatch(/unchanged\s+60/);
    expect(h.sim.acceptedCount()).toBe(60);
    // SCAN answers per server: --forget must find the buckets whichever master holds them.
    const n3 = await runRows(h, 60, "n3", [...redis, "--only-changed", "--forget"]);
    expect(n3.code, n3.stderr).toBe(0);
    expect(h.sim.acceptedCount()).toBe(120);
  });

  it("refuses a prefix without a hash tag in one sentence (exit 2), before touching Redis", async () => {
    const cluster = await startCluster();
    h = await harness();
    const bare = await runRows(h, 3, "bare", ["--redis-cluster", "--redis-url", cluster.url, "--prefix", h.prefix]);
    expect(bare.code).toBe(2);
    expect(oneSentence(bare.stderr)).toBe(
      `connect-backfill: --redis-cluster needs a --prefix with a hash tag, such as {${h.prefix}}, so every key lands in one hash slot; got "${h.prefix}"`,
    );
    // The default prefix, with the environment variable.
    const byEnv = await cli(["status", "--redis-url", cluster.url], { REDIS_CLUSTER: "true" });
    expect(byEnv.code).toBe(2);
    expect(oneSentence(byEnv.stderr)).toMatch(/--redis-cluster needs a --prefix with a hash tag, such as \{cb\}, so every key lands in one hash slot; got "cb"$/);
    const bad = await cli(["status", "--redis-url", cluster.url, "--prefix", "{cb}"], { REDIS_CLUSTER: "yes please" });
    expect(bad.code).toBe(2);
    expect(oneSentence(bad.stderr)).toBe('connect-backfill: REDIS_CLUSTER must be true or false, got "yes please"');
    expect(h.sim.updates()).toHaveLength(0);
    for (const p of cluster.ports) expect(await keysOn(p)).toEqual([]);
  });

  it("says which mode is wrong: a cluster node without --redis-cluster, --redis-cluster on a plain Redis", async () => {
    const cluster = await startCluster();
    const noFlag = await cli(["status", "--redis-url", cluster.url, "--prefix", "{cb}"]);
    expect(noFlag.code).toBe(1);
    expect(oneSentence(noFlag.stderr)).toMatch(/This Redis is a node of a Redis Cluster of 3 masters; pass --redis-cluster/);
    const plain = await cli(["status", "--redis-cluster", "--redis-url", REDIS_URL, "--prefix", "{cb}"]);
    expect(plain.code).toBe(1);
    expect(oneSentence(plain.stderr)).toMatch(/is not a Redis Cluster \(cluster support disabled\); drop --redis-cluster/);
    // A quick command fails fast when no node answers.
    const closed = await freePort();
    const t0 = Date.now();
    const none = await cli(["status", "--redis-cluster", "--redis-url", `redis://127.0.0.1:${closed}`, "--prefix", "{cb}"]);
    expect(none.code).toBe(1);
    expect(oneSentence(none.stderr)).toBe(
      `connect-backfill: Cannot reach the Redis Cluster at redis://127.0.0.1:${closed} (no node answered); start one (docker compose up -d redis) or set REDIS_URL.`,
    );
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it("a run rides out a restart of the master that holds its slot: long-lived connections wait, every row is sent", async () => {
    const cluster = await startCluster({ appendonly: true });
    h = await harness({ latencyMs: 5 });
    const x = h;
    const tagged = `{${x.prefix}}`;
    const running = runRows(x, 300, "restart", ["--redis-cluster", "--redis-url", cluster.url, "--prefix", tagged, "--rate", "60"]);
    await until(() => x.sim.updates().length >= 40, 30_000);
    const owner = (await Promise.all(cluster.ports.map((p) => keysOn(p)))).findIndex((keys) => keys.length > 0);
    expect(owner).toBeGreaterThanOrEqual(0);
    await cluster.restart(owner, 1_000);
    const res = await running;
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/run restart: 300 rows, finished/);
    expect(res.stdout).toMatch(/updated\s+300/);
    expectEveryRowSent(x, 300);
  });

  it("a cluster with a password: the right one runs, a wrong one is said in one sentence (exit 1); neither is printed", async () => {
    const cluster = await startCluster({ password: PASSWORD });
    h = await harness();
    const tagged = `{${h.prefix}}`;
    const port = cluster.ports[0] as number;
    const res = await runRows(h, 20, "pw-run", ["--redis-cluster", "--redis-url", cluster.url, "--prefix", tagged]);
    expect(res.code).toBe(0);
    expectEveryRowSent(h, 20);
    const wrong = await runRows(h, 20, "pw-wrong", ["--redis-cluster", "--redis-url", `redis://:wrong-pw@127.0.0.1:${port}`, "--prefix", tagged]);
    expect(wrong.code).toBe(1);
    expect(oneSentence(wrong.stderr)).toBe(
      `connect-backfill: Redis at redis://:***@127.0.0.1:${port} refused the password (WRONGPASS); check the password in REDIS_URL.`,
    );
    for (const out of [res.stdout, res.stderr, wrong.stdout, wrong.stderr]) {
      expect(out).not.toContain(PASSWORD);
      expect(out).not.toContain("wrong-pw");
    }
  });
});

describe.runIf(hasRedisServer && hasRedisCli && hasOpenssl)("TLS (rediss://) with a password", () => {
  it("one Redis: rediss:// with the CA in NODE_EXTRA_CA_CERTS runs; without it, one sentence and no password", async () => {
    const redis = await startSingle({ password: PASSWORD, tls: true });
    h = await harness();
    const ca = { NODE_EXTRA_CA_CERTS: redis.certs?.ca as string };
    const res = await runRows(h, 20, "tls-run", ["--redis-url", redis.url, "--prefix", h.prefix], ca);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expectEveryRowSent(h, 20);
    const untrusted = await cli(["status", "--redis-url", redis.url, "--prefix", h.prefix]);
    expect(untrusted.code).toBe(1);
    expect(oneSentence(untrusted.stderr)).toMatch(/^connect-backfill: Cannot reach Redis at rediss:\/\/:\*\*\*@127\.0\.0\.1:\d+ \(.*certificate/);
    for (const out of [res.stdout, res.stderr, untrusted.stdout, untrusted.stderr]) expect(out).not.toContain(PASSWORD);
  });

  it("a TLS cluster: --redis-cluster with rediss:// reaches every node over TLS with the password", async () => {
    const cluster = await startCluster({ password: PASSWORD, tls: true });
    h = await harness();
    const tagged = `{${h.prefix}}`;
    const res = await runRows(h, 30, "tls-cl", ["--redis-cluster", "--redis-url", cluster.url, "--prefix", tagged], {
      NODE_EXTRA_CA_CERTS: cluster.certs?.ca as string,
    });
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expectEveryRowSent(h, 30);
    expect(res.stdout).not.toContain(PASSWORD);
  });
});
