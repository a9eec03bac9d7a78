// Unthrottled throughput of one worker process against the bare loop a user would write (issue 25's
// per-call cost): the simulator in its own process for both, the release before this work beside them.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { ConnectClient, UpdateContactAttributesCommand } from "@aws-sdk/client-connect";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { deletePrefix, median, rawRunFigures, REDIS_URL, ROOT, runCli, sampleCpu, table, writeSection } from "./lib.js";
import { previousRelease } from "./previousRelease.js";
import { SimProcess } from "./simProcess.js";

/** The last commit before the per-call work of issue 25's second session; CB_BENCH_BASELINE picks another. */
const BEFORE = process.env.CB_BENCH_BASELINE ?? "46fe052";
const ROWS = 20_000;
/** The whole run's file (issue 25: "with the default window, a 1M-row run ... at ≥ the bare loop's rows/s"); CB_BENCH_RUN_ROWS=0 leaves it out. */
const RUN_ROWS = Number(process.env.CB_BENCH_RUN_ROWS ?? 1_000_000);
const ROUNDS = 5;
const CONCURRENCY = 50;
const LATENCY_MS = 5;

interface Figures {
  /** Rows/s from the first call the simulator accepted to the last. */
  readonly rowsPerS: number;
  /** The contender's CPU time (user + system) per row, in µs: ours as a whole process, start-up included. */
  readonly cpuUsPerRow: number;
  readonly lost: number;
}

async function span(sim: SimProcess): Promise<number> {
  const ups = await sim.updates();
  return ((ups.at(-1)?.at ?? 0) - (ups[0]?.at ?? 0)) / 1000;
}

/** enqueue, then one `work --exit-when-idle` process; the CPU counted is the worker's. */
async function ours(bin: string, sim: SimProcess, file: string, redis: Redis): Promise<Figures> {
  const prefix = `bench-${randomBytes(3).toString("hex")}`;
  const common = ["--prefix", prefix, "--log-level", "error", "--endpoint", sim.endpoint, "--chunk-size", "500"];
  try {
    const enq = await runCli(["enqueue", file, "--instance-id", "bench", "--run-id", "bench", ...common], {}, bin).done;
    if (enq.code !== 0) throw new Error(`enqueue failed: ${enq.stderr}`);
    await sim.reset();
    const w = runCli(["work", "--exit-when-idle", "--rate", "100000", "--headroom", "0", "--concurrency", String(CONCURRENCY), ...common], {}, bin);
    const cpu = sampleCpu(w.child.pid);
    const r = await w.done;
    const cpuS = cpu.stop();
    if (r.code !== 0) throw new Error(`work failed: ${r.stderr}`);
    const { updated } = await rawRunFigures(redis, prefix, "bench");
    return { rowsPerS: ROWS / (await span(sim)), cpuUsPerRow: (cpuS * 1e6) / ROWS, lost: ROWS - updated };
  } finally {
    await deletePrefix(redis, prefix);
  }
}

/**
 * One `run` of RUN_ROWS rows, producer and worker in one process with the default queue window: the file is
 * read while its first chunks are sent. Rows/s from the simulator's first accepted call to its last.
 */
async function wholeRun(sim: SimProcess, file: string, dir: string, redis: Redis): Promise<Figures & { wallS: number; peakRssMb: number }> {
  const prefix = `bench-${randomBytes(3).toString("hex")}`;
  try {
    await sim.reset();
    const t0 = Date.now();
    const args = ["run", file, "--instance-id", "bench", "--run-id", "whole", "--prefix", prefix, "--log-level", "error", "--endpoint", sim.endpoint];
    const more = ["--rate", "100000", "--headroom", "0", "--concurrency", String(CONCURRENCY), "--reports-dir", join(dir, "reports"), "--quiet"];
    const w = runCli([...args, ...more]);
    const cpu = sampleCpu(w.child.pid);
    const r = await w.done;
    const cpuS = cpu.stop();
    if (r.code !== 0) throw new Error(`run failed (${r.code}): ${r.stderr.slice(0, 500)}`);
    const { accepted } = await sim.stats();
    const { updated } = await rawRunFigures(redis, prefix, "whole");
    const spanS = ((accepted.lastAt ?? 0) - (accepted.firstAt ?? 0)) / 1000;
    return {
      rowsPerS: accepted.total / spanS,
      cpuUsPerRow: (cpuS * 1e6) / RUN_ROWS,
      lost: RUN_ROWS - updated,
      wallS: (Date.now() - t0) / 1000,
      peakRssMb: r.peakRssMb,
    };
  } finally {
    await deletePrefix(redis, prefix);
  }
}

/** One BullMQ job per row, the SDK call in the processor: the loop a user would write. CPU: its worker phase. */
async function bare(sim: SimProcess): Promise<Figures> {
  const prefix = `bench-${randomBytes(3).toString("hex")}`;
  const conn = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue("bare", { connection: conn, prefix });
  const client = new ConnectClient({
    region: "us-east-1",
    endpoint: sim.endpoint,
    maxAttempts: 1,
    requestHandler: { httpAgent: { keepAlive: true, maxSockets: 64 } },
  });
  try {
    for (let i = 0; i < ROWS; i += 1000) {
      await queue.addBulk(
        Array.from({ length: Math.min(1000, ROWS - i) }, (_, k) => ({ name: "row", data: { i: i + k }, opts: { removeOnComplete: true, removeOnFail: true } })),
      );
    }
    await sim.reset();
    let failed = 0;
    let n = 0;
    const c0 = process.cpuUsage();
    await new Promise<void>((resolve) => {
      const worker = new Worker(
        "bare",
        async (job) => {
          await client.send(new UpdateContactAttributesCommand({ InstanceId: "bench", InitialContactId: `b-${job.data.i}`, Attributes: { v: String(job.data.i) } }));
        },
        { connection: conn, prefix, concurrency: CONCURRENCY },
      );
      const finish = () => {
        if (++n === ROWS) void worker.close().then(() => resolve());
      };
      worker.on("completed", finish);
      worker.on("failed", () => {
        failed++;
        finish();
      });
    });
    const c = process.cpuUsage(c0);
    return { rowsPerS: ROWS / (await span(sim)), cpuUsPerRow: (c.user + c.system) / ROWS, lost: failed };
  } finally {
    client.destroy();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await deletePrefix(conn, prefix);
    await conn.quit();
  }
}

export async function benchUnthrottled(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "cb-unthrottled-"));
  const file = join(dir, "rows.csv");
  await writeFile(file, `contactId,v\n${Array.from({ length: ROWS }, (_, i) => `b-${i},${i}`).join("\n")}\n`);
  const prev = await previousRelease(BEFORE);
  const sim = await SimProcess.start(LATENCY_MS);
  const redis = new Redis(REDIS_URL);
  const loadAtStart = loadavg()[0] ?? 0;
  const runs: Record<string, Figures[]> = { ours: [], prev: [], bare: [] };
  let whole: (Figures & { wallS: number; peakRssMb: number }) | undefined;
  try {
    for (let r = 0; r < ROUNDS; r++) {
      // Alternated, so a noisy minute hurts every contender alike.
      runs.ours?.push(await ours(join(ROOT, "bin/connect-backfill.js"), sim, file, redis));
      if (prev) runs.prev?.push(await ours(prev.bin, sim, file, redis));
      runs.bare?.push(await bare(sim));
      console.log("unthrottled round", r, JSON.stringify(runs));
    }
    if (RUN_ROWS > 0) {
      const big = join(dir, "whole.csv");
      await writeFile(big, `contactId,v\n${Array.from({ length: RUN_ROWS }, (_, i) => `w-${i},${i}`).join("\n")}\n`);
      whole = await wholeRun(sim, big, dir, redis);
      console.log("whole run", JSON.stringify(whole));
    }
  } finally {
    await sim.stop();
    await redis.quit();
    await prev?.remove();
    await rm(dir, { recursive: true, force: true });
  }
  const med = (k: string, f: (x: Figures) => number) => median((runs[k] ?? []).map(f));
  const rate = (k: string) => med(k, (x) => x.rowsPerS);
  const cpu = (k: string) => med(k, (x) => x.cpuUsPerRow);
  const row = (label: string, k: string) => {
    const fs = runs[k] ?? [];
    if (fs.length === 0) return [label, "-", "-", "-", "-"];
    return [label, rate(k).toFixed(0), fs.map((x) => x.rowsPerS.toFixed(0)).join(", "), cpu(k).toFixed(0), fs.reduce((n, x) => n + x.lost, 0)];
  };
  const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}x` : "-");
  const load = `1-minute load average ${loadAtStart.toFixed(1)} at the start, ${(loadavg()[0] ?? 0).toFixed(1)} at the end`;
  await writeSection(
    "unthrottled",
    `## Unthrottled: one worker against the bare loop (issue 25)

Command: \`npm run bench -- unthrottled\` (run on ${new Date().toISOString().slice(0, 10)}, 2-core machine, Redis on the same host, ${load}).
${ROWS.toLocaleString("en-US")} rows, the simulator in its own process (\`connect-backfill simulate\`, ${LATENCY_MS} ms latency, no quota), ${CONCURRENCY} calls in flight, chunks of 500, ${ROUNDS} alternating rounds, medians.
Rows/s from the first call the simulator accepted to the last. CPU per row: the worker process's user + system time over the rows (ours includes its start-up, about 0.5 s of CPU); the bare loop's, its worker phase only.
The bare loop is one BullMQ job per row with the SDK call in the processor, what a user would write; ours also paces every call through the Redis governor, counts it in Redis before it goes and writes a durable outcome per row.

${table(
  ["contender", "rows/s (median)", "rounds", "CPU µs per row (median)", "rows lost"],
  [row("connect-backfill (this release)", "ours"), row(`connect-backfill before (${BEFORE})`, "prev"), row("bare BullMQ worker + SDK (1 job per row)", "bare")],
)}

Ratios (medians): this release / bare loop **${ratio(rate("ours"), rate("bare"))}** rows/s (target ≥ 1.0x); this release / before ${ratio(rate("ours"), rate("prev"))} rows/s, ${ratio(cpu("ours"), cpu("prev"))} CPU per row.
${
  whole
    ? `
A whole \`run\` of ${RUN_ROWS.toLocaleString("en-US")} rows (producer and worker in one process, the default queue window, the same simulator and flags; one round):
**${whole.rowsPerS.toFixed(0)} rows/s** = **${ratio(whole.rowsPerS, rate("bare"))}** the bare loop's median above (target ≥ 1.0x); ${whole.cpuUsPerRow.toFixed(0)} µs of CPU per row,
${whole.wallS.toFixed(0)} s from start to exit (reports included), peak RSS ${whole.peakRssMb} MB, ${whole.lost} rows lost.`
    : ""
}`,
  );
}
