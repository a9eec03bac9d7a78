// Decode once (issue 21): the producer queues the checked row and workers no
// longer read records again. Ingest, Redis bytes per row and unthrottled
// throughput, this release beside the previous one, alternating, in one run.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { ConnectSimulator } from "../src/simulator/index.js";
import { flow as flowOf } from "./contactOrder.js";
import { makeFile, runTracked, usedMb } from "./ingest.js";
import { deletePrefix, median, rawRunFigures, REDIS_URL, ROOT, table, writeSection } from "./lib.js";
import { previousRelease, type PreviousRelease } from "./previousRelease.js";

/** The last commit before the one-core change; CB_BENCH_BASELINE picks another. */
const BEFORE = process.env.CB_BENCH_BASELINE ?? "b3c0d17";
const OURS = join(ROOT, "bin/connect-backfill.js");
const ROUNDS = Number(process.env.CB_BENCH_ROUNDS ?? 3);
const FLOW_ROWS = 10_000;
const INGEST_ROWS = 1_000_000;

type Sample = { wallS: number; peakRssMb: number; bytesPerRow: number };

async function ingestOnce(bin: string, file: string, redis: Redis, endpoint: string): Promise<Sample> {
  const prefix = `core-${randomBytes(3).toString("hex")}`;
  const before = await usedMb(redis);
  const t = await runTracked(
    process.execPath, // An endpoint that answers: `enqueue` checks its target before it queues anything (no call is made).
    [bin, "enqueue", file, "--prefix", prefix, "--run-id", "ingest", "--log-level", "error", "--endpoint", endpoint],
    {
      CONNECT_BACKFILL_QUEUE_WINDOW: "0",
    },
  );
  const after = await usedMb(redis);
  // Read from the run's hash itself: the previous release's manifest has no version, which today's store refuses.
  const { read } = await rawRunFigures(redis, prefix, "ingest");
  await deletePrefix(redis, prefix);
  if (t.code !== 0 || read !== INGEST_ROWS) throw new Error(`enqueue did not queue the whole file (code ${t.code}, read ${read})`);
  return { wallS: t.wallS, peakRssMb: t.peakRssMb, bytesPerRow: ((after - before) * 1024 * 1024) / INGEST_ROWS };
}

export async function benchOneCore(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "cb-core-"));
  const redis = new Redis(REDIS_URL);
  const prev: PreviousRelease | undefined = await previousRelease(BEFORE);
  try {
    const big = join(dir, "1m.csv");
    const bytes = await makeFile(big);
    const small = join(dir, "10k.csv");
    await writeFile(
      small,
      `contactId,initiationTimestamp,crmCaseId,tier,agent\n${Array.from({ length: FLOW_ROWS }, (_, i) => `d-${i},2026-01-01T00:00:00Z,CASE-${i},gold,agent-${i % 50}`).join("\n")}\n`,
    );
    const ingest: Record<"ours" | "prev", Sample[]> = { ours: [], prev: [] };
    const flow: Record<"ours" | "prev", number[]> = { ours: [], prev: [] };
    const sim = new ConnectSimulator({ autoCreate: true, latencyMs: 5 });
    const { endpoint } = await sim.start();
    try {
      for (let r = 0; r < ROUNDS; r++) {
        for (const [k, bin] of [
          ["ours", OURS],
          ["prev", prev?.bin],
        ] as const) {
          if (!bin) continue;
          ingest[k].push(await ingestOnce(bin, big, redis, endpoint));
          flow[k].push((await flowOf(bin, sim, endpoint, small, redis, FLOW_ROWS)).rowsPerS);
          console.log("core round", r, k, ingest[k].at(-1), flow[k].at(-1));
        }
      }
    } finally {
      await sim.stop();
    }
    const m = (k: "ours" | "prev", f: keyof Sample) => median(ingest[k].map((s) => s[f]));
    const ingestRow = (label: string, k: "ours" | "prev") =>
      ingest[k].length === 0
        ? [label, "-", "-", "-", "-"]
        : [label, m(k, "wallS").toFixed(1), ingest[k].map((s) => s.wallS.toFixed(1)).join(", "), m(k, "bytesPerRow").toFixed(0), m(k, "peakRssMb").toFixed(0)];
    const flowRow = (label: string, k: "ours" | "prev") =>
      flow[k].length === 0 ? [label, "-", "-"] : [label, median(flow[k]).toFixed(0), flow[k].map((x) => x.toFixed(0)).join(", ")];
    const ratio = (a: number, b: number) => (prev ? (a / b).toFixed(2) : "-");
    const body = `## One core: rows decoded once (issue 21)

Command: \`npm run bench -- core\` (run on ${new Date().toISOString().slice(0, 10)}, 2-core machine, Redis and the simulator on the same host).
The previous release (${BEFORE}) is checked out from git history into a temporary worktree and built there, then run alternately with this one, ${ROUNDS} rounds${prev ? "" : " (**not available here: no git history**, so its rows are empty)"}.
Before, the producer checked each row, threw the result away and queued the raw cells, and every worker checked them again; now the producer queues the checked row (positional, field names once per chunk) and the worker reads it as it is.

### Ingest: ${INGEST_ROWS.toLocaleString("en")}-row CSV (${(bytes / 1e6).toFixed(1)} MB), \`enqueue\` with \`--queue-window 0\`, as its own process

${table(["producer", "wall s (median)", "rounds", "Redis bytes per row", "peak RSS MB"], [ingestRow("this release", "ours"), ingestRow(`previous release (${BEFORE})`, "prev")])}

Ratios this / previous (medians): wall **${ratio(m("ours", "wallS"), m("prev", "wallS"))}x**, Redis bytes per row **${ratio(m("ours", "bytesPerRow"), m("prev", "bytesPerRow"))}x**.

### Unthrottled throughput: ${FLOW_ROWS.toLocaleString("en")} rows with a start and 3 attributes, 5 ms latency, one \`work\` process, concurrency 50

${table(["worker", "rows/s, first call to last (median)", "rounds"], [flowRow("this release", "ours"), flowRow(`previous release (${BEFORE})`, "prev")])}

Ratio this / previous (medians): **${ratio(median(flow.ours), median(flow.prev))}x**.`;
    console.log(body);
    await writeSection("core", body);
  } finally {
    await prev?.remove();
    await redis.quit();
    await rm(dir, { recursive: true, force: true });
  }
}
