// Ingest of a 1,000,000-row CSV: connect-backfill's chunked producer against the
// one-BullMQ-job-per-row baseline, both as separate processes, in the same run.
import { randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { createWriteStream, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { Redis } from "ioredis";
import { keysFor } from "../src/store/keys.js";
import { RunStore } from "../src/store/RunStore.js";
import { deletePrefix, median, REDIS_URL, ROOT, sampleRss, table, writeSection } from "./lib.js";
import { ConnectSimulator } from "../src/simulator/index.js";

const ROWS = 1_000_000;

export async function makeFile(path: string): Promise<number> {
  const out = createWriteStream(path);
  out.write("contactId,instanceId,initiationTimestamp,crmCaseId,tier,agent,score\n");
  for (let i = 0; i < ROWS; i++) {
    const line = `${String(i).padStart(8, "0")}-aaaa-4bbb-8ccc-123456789abc,inst-1,2026-01-01T00:00:00Z,CASE-${i},gold,agent-${i % 500},${i % 100}\n`;
    if (!out.write(line)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  return readFileSync(path).length;
}

/** Peak RSS of a child process, sampled from /proc. */
export function runTracked(cmd: string, args: string[], env: Record<string, string>): Promise<{ code: number; peakRssMb: number; wallS: number }> {
  const t0 = Date.now();
  const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, REDIS_URL, ...env }, stdio: ["ignore", "ignore", "inherit"] });
  const rss = sampleRss(child.pid);
  return new Promise((resolve) => {
    child.on("exit", (code) => resolve({ code: code ?? -1, peakRssMb: rss.stop(), wallS: (Date.now() - t0) / 1000 }));
  });
}

export async function usedMb(redis: Redis): Promise<number> {
  const info = await redis.info("memory");
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0) / 1024 / 1024;
}

export async function benchIngest(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "cb-ingest-"));
  const file = join(dir, "1m.csv");
  const bytes = await makeFile(file);
  const redis = new Redis(REDIS_URL);
  const ours: Array<{ wallS: number; peakRssMb: number; redisMb: number }> = [];
  // An endpoint that answers: `enqueue` checks its target before it queues anything (no call is made).
  const sim = new ConnectSimulator({ autoCreate: true });
  const { endpoint } = await sim.start();
  try {
    for (let round = 0; round < 3; round++) {
      const prefix = `ingest-${randomBytes(3).toString("hex")}`;
      const before = await usedMb(redis);
      const r = await runTracked(
        process.execPath,
        [join(ROOT, "bin/connect-backfill.js"), "enqueue", file, "--prefix", prefix, "--run-id", "ingest", "--log-level", "error", "--endpoint", endpoint],
        // The whole file at once, no workers: what queueing costs (the window's footprint is the "redis" section).
        { CONNECT_BACKFILL_QUEUE_WINDOW: "0" },
      );
      const after = await usedMb(redis);
      const p = await new RunStore(redis, keysFor(prefix)).progress("ingest");
      if (r.code !== 0 || p?.read !== ROWS || !p.producerDone) throw new Error(`enqueue did not queue the whole file (code ${r.code}, read ${p?.read})`);
      ours.push({ wallS: r.wallS, peakRssMb: r.peakRssMb, redisMb: after - before });
      await deletePrefix(redis, prefix);
      console.log("connect-backfill enqueue", ours.at(-1));
    }
    const prefix = `ingest-${randomBytes(3).toString("hex")}`;
    const before = await usedMb(redis);
    const base = await runTracked(process.execPath, ["--import", "tsx", join(ROOT, "bench/oneJobPerRow.ts"), file, prefix], {});
    const after = await usedMb(redis);
    await deletePrefix(redis, prefix);
    const baseline = { wallS: base.wallS, peakRssMb: base.peakRssMb, redisMb: after - before };
    console.log("baseline", baseline);
    const m = {
      wallS: median(ours.map((o) => o.wallS)),
      peakRssMb: median(ours.map((o) => o.peakRssMb)),
      redisMb: median(ours.map((o) => o.redisMb)),
    };
    const body = `## Ingest: 1,000,000-row CSV (issue 4)

Command: \`npm run bench -- ingest\` (run on ${new Date().toISOString().slice(0, 10)}, 2-core machine, Redis 7 on the same host).
File: ${ROWS.toLocaleString("en")} rows, 7 columns, ${(bytes / 1e6).toFixed(1)} MB. Each producer is its own process; peak RSS is its VmHWM;
Redis growth is \`used_memory\` after minus before, with the whole file queued. connect-backfill: 3 rounds, medians
(rounds: ${ours.map((o) => `${o.wallS.toFixed(1)} s / ${o.peakRssMb} MB / ${o.redisMb.toFixed(0)} MB`).join("; ")}).

${table(
  ["producer", "wall s", "rows/s", "peak RSS MB", "Redis growth MB", "Redis bytes per row"],
  [
    [
      "connect-backfill enqueue (chunks of 500 rows)",
      m.wallS.toFixed(1),
      Math.round(ROWS / m.wallS),
      m.peakRssMb,
      m.redisMb.toFixed(0),
      Math.round((m.redisMb * 1024 * 1024) / ROWS),
    ],
    [
      "baseline: one BullMQ job per row (addBulk of 1,000)",
      baseline.wallS.toFixed(1),
      Math.round(ROWS / baseline.wallS),
      baseline.peakRssMb,
      baseline.redisMb.toFixed(0),
      Math.round((baseline.redisMb * 1024 * 1024) / ROWS),
    ],
  ],
)}

Ratio: ${(baseline.wallS / m.wallS).toFixed(1)}x faster, ${(baseline.redisMb / m.redisMb).toFixed(1)}x less Redis memory. Targets: ≤ 20 s, peak RSS ≤ 200 MB, Redis ≤ 200 MB.
About 100 MB of the producer's RSS is the Node runtime with BullMQ, ioredis and pino loaded before the first row (a one-row enqueue peaks at 104 MB).`;
    console.log(body);
    await writeSection("ingest", body);
  } finally {
    await sim.stop();
    await redis.quit();
    await rm(dir, { recursive: true, force: true });
  }
}
