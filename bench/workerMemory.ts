// A worker's memory over a long run (issue 25): one `work` process through 1,000,000 rows against the
// simulator in its own process, unthrottled; its RSS reported at every 100,000 rows done.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { makeFile } from "./ingest.js";
import { deletePrefix, rawRunFigures, REDIS_URL, runCli, sleep, table, writeSection } from "./lib.js";
import { SimProcess } from "./simProcess.js";

const ROWS = 1_000_000;
const STEP = 100_000;

/** VmRSS and VmHWM of a process, in MB; undefined once it has exited. */
function memoryOf(pid: number | undefined): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
    return { rss: kb("VmRSS") / 1024, hwm: kb("VmHWM") / 1024 };
  } catch {
    return undefined;
  }
}

export async function benchWorkerMemory(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "cb-workermem-"));
  const file = join(dir, "rows.csv");
  await makeFile(file);
  const sim = await SimProcess.start(1);
  const redis = new Redis(REDIS_URL);
  const prefix = `bench-${randomBytes(3).toString("hex")}`;
  const common = ["--prefix", prefix, "--log-level", "error", "--endpoint", sim.endpoint];
  const marks: Array<{ rows: number; rss: number; hwm: number; atS: number }> = [];
  let peak = 0;
  try {
    const enq = await runCli(["enqueue", file, "--run-id", "bench", "--queue-window", "0", ...common]).done;
    if (enq.code !== 0) throw new Error(`enqueue failed: ${enq.stderr}`);
    const started = Date.now();
    const w = runCli(["work", "--exit-when-idle", "--rate", "100000", "--headroom", "0", "--concurrency", "50", ...common]);
    let exited = false;
    void w.done.then(() => (exited = true));
    let next = STEP;
    while (!exited) {
      await sleep(250);
      const mem = memoryOf(w.child.pid);
      if (!mem) break;
      peak = Math.max(peak, mem.hwm);
      const { updated } = await rawRunFigures(redis, prefix, "bench");
      // Said once per step crossed, with what the process holds then.
      while (updated >= next) {
        marks.push({ rows: next, rss: mem.rss, hwm: mem.hwm, atS: (Date.now() - started) / 1000 });
        console.log("worker memory", JSON.stringify(marks.at(-1)));
        next += STEP;
      }
    }
    const r = await w.done;
    if (r.code !== 0) throw new Error(`work failed: ${r.stderr}`);
    const { updated } = await rawRunFigures(redis, prefix, "bench");
    if (updated !== ROWS) throw new Error(`only ${updated} of ${ROWS} rows updated`);
  } finally {
    await sim.stop();
    await deletePrefix(redis, prefix);
    await redis.quit();
    await rm(dir, { recursive: true, force: true });
  }
  const first = marks[0]?.rss ?? 0;
  const last = marks.at(-1)?.rss ?? 0;
  await writeSection(
    "workerMemory",
    `## A worker's memory over 1,000,000 rows (issue 25)

Command: \`npm run bench -- workermem\` (run on ${new Date().toISOString().slice(0, 10)}, 2-core machine, Redis on the same host).
One \`work --exit-when-idle --rate 100000 --concurrency 50\` process through ${ROWS.toLocaleString("en-US")} rows (the ingest bench's file, 7 columns, all queued first with \`--queue-window 0\`), the simulator in its own process (1 ms latency, no quota). Its VmRSS and VmHWM (peak so far) from /proc when the run's count of updated rows crossed each ${STEP.toLocaleString("en-US")}.

${table(
  ["rows done", "s since start", "RSS MB", "peak RSS so far MB"],
  marks.map((m) => [m.rows.toLocaleString("en-US"), m.atS.toFixed(0), m.rss.toFixed(0), m.hwm.toFixed(0)]),
)}

RSS at ${STEP.toLocaleString("en-US")} rows ${first.toFixed(0)} MB, at the end ${last.toFixed(0)} MB; peak ${peak.toFixed(0)} MB.`,
  );
}
