import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MANIFEST_VERSION, type RunManifest } from "../../src/domain/run/manifest.js";
import { keysFor, RUN } from "../../src/store/keys.js";
import { ManifestVersionError } from "../../src/store/ManifestVersionError.js";
import { RunStore } from "../../src/store/RunStore.js";
import { deletePrefix, REDIS_URL, uniquePrefix } from "../integration/helpers.js";

const manifest = (runId: string): RunManifest => ({
  version: MANIFEST_VERSION,
  operation: "UpdateContactAttributes",
  runId,
  input: "/x.csv",
  shape: { format: "jsonl" },
  defaultInstanceId: "i",
  minContactDate: 0,
  chunkSize: 10,
  createdAt: Date.now(),
  parentRunId: undefined,
  breakerWindow: 1000,
  breakerRatio: 0.5,
  breakerAuth: 5,
  breakerConsecutive: 25,
  breakerIgnore: [],
  maxContactAge: null,
  queue: `chunks.${runId}`,
  target: { endpoint: undefined, region: undefined },
});

describe("runs: the manifest's version", () => {
  const prefix = uniquePrefix();
  const keys = keysFor(prefix);
  let redis: Redis;
  let store: RunStore;
  beforeAll(() => {
    redis = new Redis(REDIS_URL);
    store = new RunStore(redis, keys);
  });
  afterAll(async () => {
    await deletePrefix(prefix);
    redis.disconnect();
  });

  it("a manifest of this version is read back as written", async () => {
    const m = manifest("v1");
    expect((await store.create(m)).created).toBe(true);
    expect(await store.manifest("v1")).toEqual(m);
    expect((await store.progress("v1"))?.manifest).toEqual(m);
  });

  it("a manifest of the release before (version 1) is still read: its run is worked and reported", async () => {
    const m = { ...manifest("v-before"), version: 1 as const };
    await store.create(m);
    expect(await store.manifest("v-before")).toEqual(m);
    expect((await store.progress("v-before"))?.manifest).toEqual(m);
  });

  it.each([
    ["another version", { version: 3 }, "3"],
    ["no version (a release before versions)", { version: undefined }, "null"],
  ])("a manifest with %s is refused in one sentence, by manifest() and progress()", async (_, patch, shown) => {
    const runId = `other-${shown}`;
    await store.create(manifest(runId));
    await redis.hset(keys.run(runId), RUN.manifest, JSON.stringify({ ...manifest(runId), ...patch }));
    const sentence = `run ${runId} was queued by another release of connect-backfill (manifest version ${shown}, this release reads version 1 or 2); work, report or prune it with the release that queued it.`;
    await expect(store.manifest(runId)).rejects.toThrow(new ManifestVersionError(runId, patch.version));
    await expect(store.manifest(runId)).rejects.toThrow(sentence);
    await expect(store.progress(runId)).rejects.toThrow(sentence);
  });
});
