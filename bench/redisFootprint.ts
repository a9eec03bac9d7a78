// What a run holds in Redis: the producer's --queue-window (default 50,000 rows) against the
// whole-file baseline (--queue-window 0), for 1,000,000- and 10,000,000-row files, in the same run.
// `enqueue` alone (no workers), then `run` (producer + worker + report writer) for 40 s each.
import { randomBytes } from "node:crypto";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, readFileSync, statfsSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { createServer } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { Redis } from "ioredis";
import { keysFor } from "../src/store/keys.js";
import { RunStore } from "../src/store/RunStore.js";
import { deletePrefix, REDIS_URL, ROOT, redisUsedMb, runCli, sleep, table, writeSection } from "./lib.js";

const SIZES = [1_000_000, 10_000_000];
const RUN_S = 40;
const TARGET_MB = 64;
const BIN = join(ROOT, "bin/connect-backfill.js");
const CHILD_ENV = { AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "x" };
const TIERS = ["gold", "silver", "bronze", "platinum"];

async function makeFile(path: string, rows: number): Promise<number> {
  const out = createWriteStream(path);
  out.write("contactId,tier,owner\n");
  for (let i = 0; i < rows; i++) {
    const line = `${String(i).padStart(8, "0")}-aaaa-4bbb-8ccc-123456789abc,${TIERS[i % TIERS.length]},agent-${i % 500}\n`;
    if (!out.write(line)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  return (await stat(path)).size;
}

/** The process's peak RSS so far (VmHWM), in MB; NaN once it is gone. */
function vmHwmMb(pid: number | undefined): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Math.round(Number(m[1]) / 1024) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** `used_memory` every 250 ms, minus `before`: the latest and the peak, in MB. */
function sampleRedis(redis: Redis, before: number): { now: () => Promise<number>; stop: () => Promise<number> } {
  let peak = 0;
  let last = 0;
  const tick = async () => {
    last = (await redisUsedMb(redis)) - before;
    peak = Math.max(peak, last);
  };
  const timer = setInterval(() => void tick().catch(() => undefined), 250);
  return {
    now: async () => {
      await tick();
      return last;
    },
    stop: async () => {
      clearInterval(timer);
      await tick();
      return peak;
    },
  };
}

/** Keys in Redis before each measurement (the most seen): what else the Redis held. */
let keysBefore = 0;

/** Waits until Redis has freed what the last UNLINK handed to its background thread. */
async function settle(redis: Redis): Promise<void> {
  for (let i = 0; i < 120; i++) {
    const info = await redis.info("memory");
    if (Number(/lazyfree_pending_objects:(\d+)/.exec(info)?.[1] ?? 0) === 0) break;
    await sleep(250);
  }
  await sleep(500);
  keysBefore = Math.max(keysBefore, await redis.dbsize());
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === "object" && addr ? addr.port : 0));
    });
  });
}

/** Resolves once `stream` has said something matching `re`; rejects if `child` exits first or after `ms`. */
function waitForOutput(child: ChildProcess, stream: Readable | null, re: RegExp, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => fail(new Error(`no ${re} within ${ms / 1000} s`)), ms);
    const onData = (d: Buffer) => {
      seen = (seen + d.toString()).slice(-4096);
      if (re.test(seen)) finish();
    };
    const onExit = (code: number | null) => fail(new Error(`exited (${code}) before ${re}: ${seen.slice(-300)}`));
    const finish = () => {
      clearTimeout(timer);
      stream?.off("data", onData);
      child.off("exit", onExit);
      resolve();
    };
    const fail = (err: Error) => {
      clearTimeout(timer);
      stream?.off("data", onData);
      child.off("exit", onExit);
      reject(err);
    };
    stream?.on("data", onData);
    child.on("exit", onExit);
  });
}

/** Signals `child` and waits for its exit, with SIGKILL after `graceMs`; resolves with whether it had to be killed. */
async function stopChild(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return false;
  const exited = once(child, "exit");
  child.kill(signal);
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.kill("SIGKILL");
  }, graceMs);
  await exited;
  clearTimeout(timer);
  return killed;
}

interface EnqueueResult {
  /** To exit (baseline) or to the `waiting:` line (window). */
  wallS: number;
  peakMb: number;
  /** Window: the growth when it said `waiting:` (its steady state). */
  atWaitMb: number | null;
  rssMb: number;
  read: number;
}

async function measureEnqueue(redis: Redis, file: string, rows: number, window: boolean, endpoint: string): Promise<EnqueueResult> {
  const prefix = `cb-bench-redis-${randomBytes(3).toString("hex")}`;
  const runId = `enq-${rows}-${window ? "window" : "whole"}`;
  await settle(redis);
  const mem = sampleRedis(redis, await redisUsedMb(redis));
  const t0 = Date.now();
  const args = ["enqueue", file, "--instance-id", "inst", "--prefix", prefix, "--endpoint", endpoint, "--run-id", runId, "--log-level", "warn"];
  const { child, done } = runCli(window ? args : [...args, "--queue-window", "0"], CHILD_ENV);
  try {
    if (!window) {
      const r = await done;
      const wallS = (Date.now() - t0) / 1000;
      const peakMb = await mem.stop();
      const p = await new RunStore(redis, keysFor(prefix)).progress(runId);
      if (r.code !== 0 || p?.read !== rows || !p.producerDone)
        throw new Error(`enqueue did not queue the whole file (code ${r.code}, read ${p?.read}): ${r.stderr.slice(-300)}`);
      return { wallS, peakMb, atWaitMb: null, rssMb: r.peakRssMb, read: p.read };
    }
    await waitForOutput(child, child.stderr, /waiting:/, 600_000);
    const wallS = (Date.now() - t0) / 1000;
    const atWaitMb = await mem.now();
    const rssMb = vmHwmMb(child.pid);
    await stopChild(child, "SIGTERM", 5_000);
    const peakMb = await mem.stop();
    const p = await new RunStore(redis, keysFor(prefix)).progress(runId);
    return { wallS, peakMb, atWaitMb, rssMb, read: p?.read ?? 0 };
  } finally {
    await mem.stop();
    await stopChild(child, "SIGKILL", 5_000);
    await deletePrefix(redis, prefix);
  }
}

interface RunResult {
  peakMb: number;
  rssMb: number;
  read: number;
  done: number;
  exitS: number;
  /** Rows the producer had read when the process was gone (it may go on reading after SIGINT). */
  readAtExit: number;
  code: number;
  killed: boolean;
}

async function measureRun(redis: Redis, file: string, rows: number, window: boolean, dir: string): Promise<RunResult> {
  const port = await freePort();
  const sim = spawn(process.execPath, [BIN, "simulate", "--port", String(port), "--auto-create"], {
    cwd: ROOT,
    env: { ...process.env, ...CHILD_ENV },
    stdio: ["ignore", "pipe", "ignore"],
  });
  const prefix = `cb-bench-redis-${randomBytes(3).toString("hex")}`;
  const runId = `run-${rows}-${window ? "window" : "whole"}`;
  const reports = join(dir, "reports");
  let child: ChildProcess | undefined;
  try {
    await waitForOutput(sim, sim.stdout, /listening on/, 15_000);
    await settle(redis);
    const mem = sampleRedis(redis, await redisUsedMb(redis));
    const args = ["run", file, "--instance-id", "inst", "--prefix", prefix, "--endpoint", `http://127.0.0.1:${port}`, "--reports-dir", reports];
    args.push("--rate", "100000", "--concurrency", "64", "--run-id", runId, "--quiet", "--log-level", "warn");
    const started = runCli(window ? args : [...args, "--queue-window", "0"], CHILD_ENV);
    child = started.child;
    let ended = false;
    void started.done.then(() => (ended = true));
    await Promise.race([sleep(RUN_S * 1000), started.done]);
    const rssMb = vmHwmMb(child.pid);
    const peakMb = await mem.stop();
    const p = await new RunStore(redis, keysFor(prefix)).progress(runId);
    if (ended) throw new Error(`run ${runId} ended before ${RUN_S} s: ${(await started.done).stderr.slice(-300)}`);
    const t = Date.now();
    const killed = await stopChild(child, "SIGINT", 60_000);
    const r = await started.done;
    const exitS = (Date.now() - t) / 1000;
    const after = await new RunStore(redis, keysFor(prefix)).progress(runId);
    return { peakMb, rssMb, read: p?.read ?? 0, done: p?.done ?? 0, exitS, readAtExit: after?.read ?? 0, code: r.code, killed };
  } finally {
    if (child) await stopChild(child, "SIGKILL", 5_000);
    await stopChild(sim, "SIGTERM", 5_000);
    await deletePrefix(redis, prefix);
    await rm(reports, { recursive: true, force: true });
  }
}

const mb = (x: number) => (x < 10 ? x.toFixed(1) : x.toFixed(0));
const ratio = (x: number, base: number | undefined) => (base === undefined ? "n/a" : `${(x / base).toPrecision(2)}x`);
const n = (x: number) => x.toLocaleString("en-US");

export async function benchRedisFootprint(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "cb-bench-redis-"));
  const free = statfsSync(dir);
  if (free.bavail * free.bsize < 2e9) throw new Error(`${dir}: ${(free.bavail * free.bsize) / 1e9} GB free, the 10,000,000-row file needs about 0.7 GB`);
  const redis = new Redis(REDIS_URL);
  const loadAtStart = loadavg()[0] ?? 0;
  try {
    const server = await redis.info("server");
    const memory = await redis.info("memory");
    const version = /redis_version:(\S+)/.exec(server)?.[1] ?? "?";
    const maxmemory = Number(/maxmemory:(\d+)/.exec(memory)?.[1] ?? 0);
    const files: Array<{ rows: number; path: string; bytes: number }> = [];
    for (const rows of SIZES) {
      const path = join(dir, `${rows}.csv`);
      files.push({ rows, path, bytes: await makeFile(path, rows) });
      console.log(`wrote ${path}`);
    }

    // enqueue alone: nothing works the run, so it never calls the endpoint.
    const enqueueRows: Array<Array<string | number>> = [];
    const enqueueWhole: Array<{ rows: number; mb: number }> = [];
    const notes: string[] = [];
    const windowMbs: Array<{ what: string; mb: number }> = [];
    for (const f of files) {
      let base: EnqueueResult | undefined;
      // The whole 10,000,000-row file is about 1.3 GB of Redis: not where a maxmemory would stop it.
      if (maxmemory > 0 && maxmemory < 2 * 1024 ** 3) {
        notes.push(`${n(f.rows)} rows, whole file: not measured, Redis has maxmemory ${mb(maxmemory / 1024 ** 2)} MB.`);
      } else {
        base = await measureEnqueue(redis, f.path, f.rows, false, "http://127.0.0.1:9");
        console.log("enqueue whole file", f.rows, base);
        enqueueWhole.push({ rows: f.rows, mb: base.peakMb });
        enqueueRows.push([
          n(f.rows),
          "`--queue-window 0` (baseline)",
          `${base.wallS.toFixed(1)} (exit)`,
          n(base.read),
          mb(base.peakMb),
          "1.0x",
          Math.round((base.peakMb * 1024 ** 2) / base.read),
          base.rssMb,
          "1.0x",
        ]);
      }
      const w = await measureEnqueue(redis, f.path, f.rows, true, "http://127.0.0.1:9");
      console.log("enqueue window", f.rows, w);
      windowMbs.push({ what: `enqueue, ${n(f.rows)} rows`, mb: w.peakMb });
      notes.push(`${n(f.rows)} rows, window: ${mb(w.atWaitMb ?? 0)} MB when it said \`waiting:\`, ${mb(w.peakMb)} MB peak until it exited on SIGTERM.`);
      enqueueRows.push([
        n(f.rows),
        "default window (50,000 rows)",
        `${w.wallS.toFixed(1)} (to \`waiting:\`)`,
        n(w.read),
        mb(w.peakMb),
        ratio(w.peakMb, base?.peakMb),
        Math.round((w.peakMb * 1024 ** 2) / w.read),
        w.rssMb,
        ratio(w.rssMb, base?.rssMb),
      ]);
    }

    const runRows: Array<Array<string | number>> = [];
    for (const f of files) {
      const base = await measureRun(redis, f.path, f.rows, false, dir);
      console.log("run whole file", f.rows, base);
      const w = await measureRun(redis, f.path, f.rows, true, dir);
      console.log("run window", f.rows, w);
      windowMbs.push({ what: `run, ${n(f.rows)} rows`, mb: w.peakMb });
      for (const [label, r] of [
        ["`--queue-window 0` (baseline)", base],
        ["default window (50,000 rows)", w],
      ] as const) {
        runRows.push([
          n(f.rows),
          label,
          mb(r.peakMb),
          ratio(r.peakMb, base.peakMb),
          r.rssMb,
          ratio(r.rssMb, base.rssMb),
          n(r.read),
          n(r.done),
          Math.round(r.done / RUN_S),
          r.killed ? "not within 60 s: SIGKILL" : `${r.exitS.toFixed(1)} s, exit code ${r.code}`,
          n(r.readAtExit),
        ]);
      }
    }

    const worst = windowMbs.reduce((a, b) => (b.mb > a.mb ? b : a));
    const met = windowMbs.every((x) => x.mb < TARGET_MB);
    const body = `## Redis footprint: the producer's queue window against the whole file

Command: \`npm run bench -- redis\` (run on ${new Date().toISOString().slice(0, 10)}, ${cpus().length}-core machine, Redis ${version} at ${new URL(REDIS_URL).host} on the same host, ${keysBefore === 0 ? "empty" : `holding at most ${n(keysBefore)} other keys`} before each measurement, maxmemory ${maxmemory > 0 ? `${mb(maxmemory / 1024 ** 2)} MB` : "not set"};
1-minute load average ${loadAtStart.toFixed(1)} at the start, ${(loadavg()[0] ?? 0).toFixed(1)} at the end: other work shared the CPUs, which bears on wall times and rows/s, not on Redis bytes).
Files: ${files.map((f) => `${n(f.rows)} rows (${(f.bytes / 1e6).toFixed(0)} MB)`).join(" and ")} of \`contactId,tier,owner\`, written for the run and deleted afterwards.
The baseline is \`--queue-window 0\` (the whole file in Redis at once, as before), measured in the same run. Each measurement has its own \`--prefix\`,
whose keys are deleted (and Redis's lazy frees waited for) before the next, so each starts from the same Redis.
Redis growth: \`used_memory\` (INFO memory) every 250 ms minus its value just before the process started; the peak. Peak RSS: the process's VmHWM
from /proc/<pid>/status, read just before the bench signals it, or, for a process that exits by itself (the baseline enqueue), read every 50 ms until it exits.

**Target: a run's Redis footprint under ${TARGET_MB} MB whatever the file size: ${met ? "met" : "not met"}** (largest with the window: ${mb(worst.mb)} MB, ${worst.what}).

### enqueue alone (no workers)

The baseline queues the whole file and exits. With the window, enqueue fills its window, says \`waiting:\` once on stderr and waits for workers;
the bench stops it there with SIGTERM (wall time is to that line; the Redis it holds there is its steady state).
${notes.join("\n")}

${table(
  ["rows in file", "producer", "wall s", "rows read", "peak Redis growth MB", "Redis / baseline", "Redis bytes per row read", "peak RSS MB", "RSS / baseline"],
  enqueueRows,
)}

### run (producer, worker and report writer in one process), ${RUN_S} s each

\`connect-backfill run --rate 100000 --concurrency 64\` against \`connect-backfill simulate --auto-create\` in its own process (one per measurement),
stopped with SIGINT after ${RUN_S} s (it writes a partial report; SIGKILL if it has not exited 60 s later). Peaks and rows are over those ${RUN_S} s;
rows read by the producer and rows with an outcome are from the run's hash in Redis at the ${RUN_S}-second mark, and again once the process is gone.
The baseline's Redis grows for as long as its producer reads, so its figure here is what it had queued in ${RUN_S} s, not the file
(the whole files take ${enqueueWhole.map((x) => `${mb(x.mb)} MB (${n(x.rows)} rows)`).join(" and ")} in the enqueue table above).

${table(
  [
    "rows in file",
    "producer",
    "peak Redis growth MB",
    "Redis / baseline",
    "peak RSS MB",
    "RSS / baseline",
    "rows read by the producer",
    `rows done in ${RUN_S} s`,
    "rows done / s",
    "exit after SIGINT",
    "rows read by the producer at exit",
  ],
  runRows,
)}

What the window trades: Redis holds a window of the file instead of the file, but the producer must stay up while the run goes:
\`enqueue\` now lives until the last row is queued (it waits on the workers, where the baseline exits once the file is in Redis), and \`run\` produces as it works, in the same process.`;
    console.log(body);
    await writeSection("redis", body);
  } finally {
    redis.disconnect();
    await rm(dir, { recursive: true, force: true });
  }
}
