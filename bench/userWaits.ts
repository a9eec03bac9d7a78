// Where users wait (issue 25): the unchanged night of a job that sends only what changed, a 1%-changed night
// and the dry run, against the release before this work (built in a temporary worktree), interleaved in one run.
import { spawn } from "node:child_process";
import { writeFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { exportOf } from "./onlyChanged.js";
import { changeMemoryName } from "../src/domain/run/manifest.js";
import { keysFor } from "../src/store/keys.js";
import { deletePrefix, firstTouchUsPerPage, hashLoopMs, median, rawRunFigures, REDIS_URL, ROOT, runCli, table, writeSection } from "./lib.js";
import { previousRelease } from "./previousRelease.js";
import { SimProcess } from "./simProcess.js";

/**
 * The baseline: the last commit before issue 25's third round (the dry run's own outcome path, the report
 * writer, the outcome script's counters); 0db1a49 is the one before the second (the producer settling what
 * needs no call). CB_BENCH_BASELINE picks another.
 */
const BEFORE = process.env.CB_BENCH_BASELINE ?? "46fe052";
const NIGHT_ROWS = 100_000;
/** The dry run's files: the target's own figure (1M rows in ≤ 10 s), and a smaller one where start-up weighs more. */
const DRY_ROWS = [200_000, 1_000_000] as const;
const ROUNDS = Number(process.env.CB_BENCH_ROUNDS ?? 3);

/** Per build: the nights' walls and calls, and per dry-run size its walls and peak RSS. */
interface Figures {
  unchanged: number[];
  /** The floor's walls (bench/nightFloor.mjs), beside this release's nights: the same minutes of the host. */
  floor: number[];
  calls0: number[];
  dry: number[][];
  dryRss: number[][];
}

export async function benchUserWaits(): Promise<void> {
  const speedAtStart = hashLoopMs();
  const touchAtStart = firstTouchUsPerPage();
  const redis = new Redis(REDIS_URL);
  const dir = await mkdtemp(join(tmpdir(), "cb-bench-waits-"));
  // The simulator in its own process: its work is not on the producer's core.
  const sim = await SimProcess.start(1);
  const prev = await previousRelease(BEFORE);
  const prefix = `cb-bench-waits-${Date.now()}`;
  const same = join(dir, "same.csv");
  const onePercent = join(dir, "one-percent.csv");
  const dry = DRY_ROWS.map((n) => join(dir, `dry-${n}.csv`));
  await writeFile(same, exportOf(0, NIGHT_ROWS));
  await writeFile(onePercent, exportOf(100, NIGHT_ROWS));
  for (const [i, n] of DRY_ROWS.entries()) await writeFile(dry[i] as string, exportOf(0, n));
  const common = [
    "--instance-id",
    "inst",
    "--prefix",
    prefix,
    "--endpoint",
    sim.endpoint,
    "--reports-dir",
    join(dir, "reports"),
    "--rate",
    "4000",
    "--concurrency",
    "64",
    "--quiet",
  ];
  let n = 0;
  const timed = async (args: string[], bin?: string): Promise<{ runId: string; wallS: number; peakRssMb: number }> => {
    const runId = `r${n++}`;
    const t0 = Date.now();
    const res = await runCli([...args, ...common, "--run-id", runId], { LOG_LEVEL: "warn" }, bin).done;
    if (res.code !== 0) throw new Error(`bench run failed (${res.code}): ${res.stderr.slice(0, 300)}`);
    return { runId, wallS: (Date.now() - t0) / 1000, peakRssMb: res.peakRssMb };
  };
  const job = ["--job-name", "waits", "--only-changed"];
  const builds: Array<{ name: string; bin: string | undefined }> = [
    { name: "this release", bin: undefined },
    ...(prev ? [{ name: `before (${BEFORE})`, bin: prev.bin }] : []),
  ];
  const figures = new Map<string, Figures>();
  for (const b of builds) figures.set(b.name, { unchanged: [], floor: [], calls0: [], dry: DRY_ROWS.map(() => []), dryRss: DRY_ROWS.map(() => []) });
  try {
    await timed(["run", same, ...job]); // the job's first night: sends all, remembers
    for (let round = 0; round < ROUNDS; round++) {
      for (const b of builds) {
        const f = figures.get(b.name) as Figures;
        const night = await timed(["run", same, ...job], b.bin);
        f.unchanged.push(night.wallS);
        f.calls0.push((await rawRunFigures(redis, prefix, night.runId)).updated);
        if (b.bin === undefined) f.floor.push(await floorNight(same, prefix, sim.endpoint, dir));
        for (const [i, file] of dry.entries()) {
          const d = await timed(["run", file, "--dry-run"], b.bin);
          f.dry[i]?.push(d.wallS);
          f.dryRss[i]?.push(d.peakRssMb);
        }
      }
    }
    // 1% changed, then back: exactly those rows are sent (this release only: what it sends is the point).
    const changed = await timed(["run", onePercent, ...job]);
    const changedCalls = (await rawRunFigures(redis, prefix, changed.runId)).updated;
    const back = await timed(["run", same, ...job]);
    const backCalls = (await rawRunFigures(redis, prefix, back.runId)).updated;
    const ours = figures.get("this release") as Figures;
    const base = prev ? figures.get(`before (${BEFORE})`) : undefined;
    const ratio = (a: number[], b?: number[]) => (b ? `${(median(a) / median(b)).toFixed(2)}x` : "–");
    const each = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(", ");
    const best = (xs: number[]) => Math.min(...xs).toFixed(1);
    const speedAtEnd = hashLoopMs();
    const touchAtEnd = firstTouchUsPerPage();
    const rows: Array<Array<string | number>> = [];
    for (const [name, f] of figures) {
      rows.push([
        `unchanged night, ${NIGHT_ROWS.toLocaleString("en-US")} rows — ${name}`,
        median(f.unchanged).toFixed(1),
        best(f.unchanged),
        each(f.unchanged),
        Math.max(...f.calls0),
        name === "this release" ? ratio(ours.unchanged, base?.unchanged) : "–",
      ]);
    }
    for (const [i, n] of DRY_ROWS.entries()) {
      for (const [name, f] of figures) {
        const walls = f.dry[i] ?? [];
        const rate = Math.round(n / median(walls));
        const bestRate = Math.round(n / Math.min(...walls));
        rows.push([
          `dry run, ${n.toLocaleString("en-US")} rows — ${name} (${rate.toLocaleString("en-US")} rows/s, best ${bestRate.toLocaleString("en-US")}; peak RSS ${Math.round(median(f.dryRss[i] ?? []))} MB)`,
          median(walls).toFixed(1),
          best(walls),
          each(walls),
          0,
          name === "this release" ? ratio(walls, base?.dry[i]) : "–",
        ]);
      }
    }
    rows.push([
      `the floor: the least any unchanged night of ${NIGHT_ROWS.toLocaleString("en-US")} rows must do (bench/nightFloor.mjs: a lower bound, not a product path)`,
      median(ours.floor).toFixed(1),
      best(ours.floor),
      each(ours.floor),
      0,
      "–",
    ]);
    rows.push([`night with 1% changed (this release)`, changed.wallS.toFixed(1), "–", "1 run", changedCalls, "–"]);
    rows.push([`the 1% changed back (this release)`, back.wallS.toFixed(1), "–", "1 run", backCalls, "–"]);
    await writeSection(
      "waits",
      `## Where users wait: the unchanged night and the dry run (issue 25)

Command: \`npm run bench -- waits\` (run on ${new Date().toISOString().slice(0, 10)}, 2-core machine, Redis and the simulator (its own process, 1 ms latency) on the same host; the machine's speed, a fixed hash loop (bench/lib.ts hashLoopMs), ${speedAtStart} ms at the start and ${speedAtEnd} ms at the end: ~150 on a quiet host; a page of memory's first touch (bench/lib.ts firstTouchUsPerPage) ${touchAtStart} and ${touchAtEnd} µs: the night touches ~60,000 pages).
\`connect-backfill run\` (producer, workers and report in one process) of a ${NIGHT_ROWS.toLocaleString("en-US")}-row export with \`--job-name waits --only-changed --rate 4000 --concurrency 64\`, after a first night that sent it all;
and \`run --dry-run\` of files of ${DRY_ROWS.map((n) => n.toLocaleString("en-US")).join(" and ")} rows. Wall time from spawn to exit, medians and best of ${ROUNDS}, this release and the release before (${BEFORE}, built in a temporary worktree) interleaved: the host's speed changes within minutes, so a slow round of one build has a round of the other beside it, and the best is what the code costs on a quiet host.
The floor (bench/nightFloor.mjs) runs in each round right after this release's night: Node, a Redis client and a logger, the file read and split by hand (no CSV quoting), a contact id and a value's length the whole check, the product's fingerprints and memory script, one outcome a row recorded in Redis and outcomes.csv written and fsynced, and nothing else (no run record, queue, done bits read, outcome read back, summary or other report files). This release's unchanged night is ${(median(ours.unchanged) / median(ours.floor)).toFixed(2)}x the floor (medians; best ${(Math.min(...ours.unchanged) / Math.min(...ours.floor)).toFixed(2)}x).
Targets (issue 25): the unchanged night ≤ 1.5 s with 0 calls; the dry run ≥ 100,000 rows/s end to end (1M rows in ≤ 10 s).

${table(["run", "median wall s", "best wall s", "each run", "calls", "÷ before (medians)"], rows)}
`,
    );
    console.log(rows);
  } finally {
    await sim.stop();
    await prev?.remove();
    await deletePrefix(redis, prefix);
    await rm(dir, { recursive: true, force: true });
    redis.disconnect();
  }
}

/**
 * One run of the floor (bench/nightFloor.mjs) against the job's memory the nights use; its wall from spawn to exit.
 * Refused unless it found every contact unchanged: a floor that compared nothing would be no floor.
 */
async function floorNight(file: string, prefix: string, endpoint: string, dir: string): Promise<number> {
  const memoryPrefix = keysFor(prefix).changed(changeMemoryName("waits", { endpoint, region: undefined }));
  const t0 = Date.now();
  const child = spawn(process.execPath, [join(ROOT, "bench/nightFloor.mjs"), file, REDIS_URL, memoryPrefix, "inst", dir], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number>((resolve) => child.on("exit", (c) => resolve(c ?? -1)));
  const wallS = (Date.now() - t0) / 1000;
  if (code !== 0) throw new Error(`the floor failed (${code}): ${err.slice(0, 300)}`);
  const found = JSON.parse(out) as { rows: number; unchanged: number };
  if (found.rows !== NIGHT_ROWS || found.unchanged !== NIGHT_ROWS)
    throw new Error(`the floor found ${found.unchanged} of ${found.rows} rows unchanged, not all ${NIGHT_ROWS}`);
  return wallS;
}
