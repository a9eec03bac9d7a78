// Change detection for a nightly sync (issue 13): the second night of a 100k-row export,
// unchanged and with 1% changed, against the full resend (no job memory) as the baseline.
import { writeFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { ConnectSimulator } from "../src/simulator/index.js";
import { deletePrefix, median, REDIS_URL, runCli, table, writeSection } from "./lib.js";

const ROWS = 100_000;

/** A nightly export of `rows` contacts; every `changedEvery`-th one has a new tier (0: none). Shared with bench/userWaits.ts. */
export function exportOf(changedEvery = 0, rows = ROWS): string {
  const lines = ["contactId,tier,owner,score"];
  for (let i = 0; i < rows; i++) {
    const tier = changedEvery > 0 && i % changedEvery === 0 ? "platinum" : "gold";
    lines.push(`${String(i).padStart(8, "0")}-aaaa-4bbb-8ccc-123456789abc,${tier},agent-${i % 500},${i % 100}`);
  }
  return `${lines.join("\n")}\n`;
}

export async function benchOnlyChanged(): Promise<void> {
  const redis = new Redis(REDIS_URL);
  const dir = await mkdtemp(join(tmpdir(), "cb-bench-changed-"));
  const sim = new ConnectSimulator({ autoCreate: true, latencyMs: 1 });
  const { endpoint } = await sim.start();
  const prefix = `cb-bench-changed-${Date.now()}`;
  const same = join(dir, "same.csv");
  const onePercent = join(dir, "one-percent.csv");
  await writeFile(same, exportOf());
  await writeFile(onePercent, exportOf(100));
  const common = [
    "--instance-id",
    "inst",
    "--prefix",
    prefix,
    "--endpoint",
    endpoint,
    "--reports-dir",
    join(dir, "reports"),
    "--rate",
    "4000",
    "--concurrency",
    "64",
    "--quiet",
  ];
  let n = 0;
  const night = async (file: string, job: boolean): Promise<{ calls: number; wallS: number }> => {
    const before = sim.acceptedCount();
    const t0 = Date.now();
    const { done } = runCli(["run", file, ...common, "--run-id", `r${n++}`, ...(job ? ["--job-name", "bench", "--only-changed"] : [])], { LOG_LEVEL: "warn" });
    const res = await done;
    if (res.code !== 0) throw new Error(`bench run failed (${res.code}): ${res.stderr.slice(0, 300)}`);
    return { calls: sim.acceptedCount() - before, wallS: (Date.now() - t0) / 1000 };
  };
  try {
    const full = await night(same, false); // baseline: every row sent, as without a job
    await night(same, true); // the job's first night: sends all, remembers
    const unchanged: Array<{ calls: number; wallS: number }> = [];
    for (let i = 0; i < 3; i++) unchanged.push(await night(same, true));
    const changed = await night(onePercent, true);
    const back = await night(same, true); // and back: the 1% changed again
    const mu = median(unchanged.map((u) => u.wallS));
    const rows: Array<Array<string | number>> = [
      ["full resend (baseline, no job memory)", full.calls, full.wallS.toFixed(1), "1.00x"],
      ["night 2, nothing changed (median of 3)", unchanged[0]?.calls ?? 0, mu.toFixed(1), `${(mu / full.wallS).toFixed(2)}x`],
      ["night 3, 1% changed", changed.calls, changed.wallS.toFixed(1), `${(changed.wallS / full.wallS).toFixed(2)}x`],
      ["night 4, the 1% changed back", back.calls, back.wallS.toFixed(1), `${(back.wallS / full.wallS).toFixed(2)}x`],
    ];
    const { benchChangeMemory } = await import("./changeMemory.js");
    const mem = await benchChangeMemory(redis);
    await writeSection(
      "only-changed",
      `## Send only what changed (issue 13)

Command: \`npm run bench -- changed\` (run on ${new Date().toISOString().slice(0, 10)}, 2-core machine, Redis and the simulator on the same host).
A ${ROWS.toLocaleString("en-US")}-row export run by \`connect-backfill run --job-name bench --only-changed\` (\`--rate 4000 --concurrency 64\`, 1 ms simulated latency); the baseline is the same file without a job memory, in the same run.

${table(["run", "calls sent", "wall s", "wall / baseline"], rows)}

The job's memory in Redis (\`bench/changeMemory.ts\`, 1,000,000 contacts in one job):

${mem.markdown}
`,
    );
    console.log(rows);
  } finally {
    await sim.stop();
    await deletePrefix(redis, prefix);
    await rm(dir, { recursive: true, force: true });
    redis.disconnect();
  }
}
