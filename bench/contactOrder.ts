// The cost of keeping each contact's rows in file order (issue 9): ingest and
// unthrottled throughput on files without duplicates, against the release
// before it, measured in the same run; what folding saves on files with them;
// and the producer's memory for 1M distinct contacts.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { ContactChain } from "../src/queue/ContactChain.js";
import { ConnectSimulator } from "../src/simulator/index.js";
import { makeFile, runTracked, usedMb } from "./ingest.js";
import { deletePrefix, median, rawRunFigures, REDIS_URL, ROOT, runCli, table, writeSection } from "./lib.js";
import { previousRelease, type PreviousRelease } from "./previousRelease.js";

/** The last commit before per-contact ordering; CB_BENCH_BASELINE picks another. */
const BEFORE = process.env.CB_BENCH_BASELINE ?? "51fc4da";
const OURS = join(ROOT, "bin/connect-backfill.js");
const ROUNDS = 5;
const ROWS = 10_000;

interface Flow {
  readonly rowsPerS: number;
  readonly calls: number;
}

/** enqueue + one `work --exit-when-idle` of a file of `rows` rows; rows/s from the first accepted call to the last. */
export async function flow(bin: string, sim: ConnectSimulator, endpoint: string, file: string, redis: Redis, rows = ROWS): Promise<Flow> {
  const prefix = `bench-${randomBytes(3).toString("hex")}`;
  const common = ["--prefix", prefix, "--log-level", "error"];
  // The standard variable, not --endpoint: both releases read it, and a run records the target it was queued for.
  const env = { AWS_ENDPOINT_URL_CONNECT: endpoint };
  try {
    const enq = await runCli(["enqueue", file, "--instance-id", "bench", "--run-id", "bench", ...common], env, bin).done;
    if (enq.code !== 0) throw new Error(`enqueue failed: ${enq.stderr}`);
    sim.reset();
    const w = await runCli(["work", "--exit-when-idle", "--rate", "100000", "--concurrency", "50", ...common], env, bin).done;
    if (w.code !== 0) throw new Error(`work failed: ${w.stderr}`);
    const { updated } = await rawRunFigures(redis, prefix, "bench");
    if (updated !== rows) throw new Error(`only ${updated} of ${rows} rows updated`);
    const ups = sim.updates();
    const span = ((ups.at(-1)?.at ?? 0) - (ups[0]?.at ?? 0)) / 1000;
    return { rowsPerS: rows / span, calls: ups.length };
  } finally {
    await deletePrefix(redis, prefix);
  }
}

async function throughput(prev: PreviousRelease | undefined, dir: string, redis: Redis): Promise<string> {
  const distinct = join(dir, "distinct.csv");
  const dups = join(dir, "dups.csv");
  await writeFile(distinct, `contactId,v\n${Array.from({ length: ROWS }, (_, i) => `d-${i},${i}`).join("\n")}\n`);
  // 3 rows per contact, adjacent, as a CRM delta export holds them.
  await writeFile(dups, `contactId,v\n${Array.from({ length: ROWS }, (_, i) => `p-${Math.floor(i / 3)},${i}`).join("\n")}\n`);
  const sim = new ConnectSimulator({ autoCreate: true, latencyMs: 5 });
  const { endpoint } = await sim.start();
  const runs: Record<string, Flow[]> = { ours: [], prev: [], oursDups: [], prevDups: [] };
  try {
    for (let r = 0; r < ROUNDS; r++) {
      // Alternated, so a noisy minute hurts both sides alike.
      runs.ours?.push(await flow(OURS, sim, endpoint, distinct, redis));
      if (prev) runs.prev?.push(await flow(prev.bin, sim, endpoint, distinct, redis));
      runs.oursDups?.push(await flow(OURS, sim, endpoint, dups, redis));
      if (prev) runs.prevDups?.push(await flow(prev.bin, sim, endpoint, dups, redis));
      console.log("throughput round", r, JSON.stringify(runs));
    }
  } finally {
    await sim.stop();
  }
  const med = (k: string) => median((runs[k] ?? []).map((f) => f.rowsPerS));
  const row = (label: string, k: string) => {
    const fs = runs[k] ?? [];
    return fs.length === 0 ? [label, "-", "-", "-"] : [label, med(k).toFixed(0), fs.map((f) => f.rowsPerS.toFixed(0)).join(", "), fs[0]?.calls ?? 0];
  };
  const ratio = prev ? (med("ours") / med("prev")).toFixed(2) : "-";
  const ratioDups = prev ? (med("oursDups") / med("prevDups")).toFixed(2) : "-";
  return `### Unthrottled throughput, ${ROWS.toLocaleString("en")} rows, 5 ms latency, one worker, concurrency 50, chunks of 500, ${ROUNDS} alternating rounds

${table(
  ["file", "rows/s, first call to last (median)", "rounds", "API calls"],
  [
    row("no duplicates: this release", "ours"),
    row(`no duplicates: previous release (${BEFORE})`, "prev"),
    row("3 rows per contact, adjacent: this release (folded)", "oursDups"),
    row(`3 rows per contact, adjacent: previous release (${BEFORE}, one call a row, order not kept)`, "prevDups"),
  ],
)}

Ratio this / previous release, no duplicates (medians): **${ratio}x** (target: no more than 10% slower, ≥ 0.90x).
With duplicates: **${ratioDups}x** rows/s, with a third of the calls: at a quota, folded rows cost a third of the time.`;
}

async function ingest(prev: PreviousRelease | undefined, dir: string, redis: Redis): Promise<string> {
  const file = join(dir, "1m.csv");
  const bytes = await makeFile(file);
  const runs: Record<"ours" | "prev", Array<{ wallS: number; peakRssMb: number; redisMb: number }>> = { ours: [], prev: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const [k, bin] of [
      ["ours", OURS],
      ["prev", prev?.bin],
    ] as const) {
      if (!bin) continue;
      const prefix = `ingest-${randomBytes(3).toString("hex")}`;
      const before = await usedMb(redis);
      // The whole file at once for both (an older release ignores the variable): the cost of queueing it.
      const t = await runTracked(process.execPath, [bin, "enqueue", file, "--prefix", prefix, "--run-id", "ingest", "--log-level", "error"], {
        CONNECT_BACKFILL_QUEUE_WINDOW: "0",
      });
      const after = await usedMb(redis);
      const { read } = await rawRunFigures(redis, prefix, "ingest");
      if (t.code !== 0 || read !== 1_000_000) throw new Error(`${k} enqueue did not queue the whole file`);
      runs[k].push({ wallS: t.wallS, peakRssMb: t.peakRssMb, redisMb: after - before });
      await deletePrefix(redis, prefix);
      console.log("ingest", k, runs[k].at(-1));
    }
  }
  const m = (k: "ours" | "prev", f: "wallS" | "peakRssMb" | "redisMb") => median(runs[k].map((x) => x[f]));
  const line = (label: string, k: "ours" | "prev") =>
    runs[k].length === 0
      ? [label, "-", "-", "-", "-"]
      : [label, m(k, "wallS").toFixed(1), runs[k].map((x) => x.wallS.toFixed(1)).join(", "), m(k, "peakRssMb"), m(k, "redisMb").toFixed(0)];
  return `### Ingest, 1,000,000 distinct contacts (${(bytes / 1e6).toFixed(1)} MB CSV), \`enqueue\` as its own process, ${ROUNDS} alternating rounds

${table(["producer", "wall s (median)", "rounds", "peak RSS MB", "Redis growth MB"], [line("this release", "ours"), line(`previous release (${BEFORE})`, "prev")])}

Ratio this / previous release, wall time (medians): **${prev ? (m("ours", "wallS") / m("prev", "wallS")).toFixed(2) : "-"}x** (target ≤ 1.10x).`;
}

function chainMemory(): string {
  const n = 1_000_000;
  const heapBefore = process.memoryUsage().arrayBuffers;
  const chain = new ContactChain();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) chain.previous("11111111-2222-3333-4444-555555555555", `${String(i).padStart(8, "0")}-aaaa-4bbb-8ccc-123456789abc`, i + 2);
  const ms = performance.now() - t0;
  const held = process.memoryUsage().arrayBuffers - heapBefore;
  return `### The producer's memory of contacts (ContactChain), 1,000,000 distinct contacts, in-process

Table: ${(chain.bytes / 1024 / 1024).toFixed(1)} MB (${(chain.bytes / n).toFixed(1)} bytes per contact; array buffers grew ${(held / 1024 / 1024).toFixed(1)} MB), ${((ms * 1e6) / n).toFixed(0)} ns per row (${ms.toFixed(0)} ms for the file).
A \`Map\` keyed by the id strings would hold about 150 MB for the same contacts.`;
}

export async function benchContactOrder(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "cb-order-"));
  const redis = new Redis(REDIS_URL);
  const prev = await previousRelease(BEFORE);
  try {
    const sections = [chainMemory(), await ingest(prev, dir, redis), await throughput(prev, dir, redis)];
    const body = `## Per-contact file order: what it costs (issue 9)

Command: \`npm run bench -- order\` (run on ${new Date().toISOString().slice(0, 10)}, 2-core machine, Redis and the simulator on the same host).
The previous release is checked out from git history into a temporary worktree and built there, then run alternately with this one${prev ? "" : " (**not available here: no git history**, so its rows are empty)"}.

${sections.join("\n\n")}`;
    console.log(body);
    await writeSection("order", body);
  } finally {
    await prev?.remove();
    await redis.quit();
    await rm(dir, { recursive: true, force: true });
  }
}
