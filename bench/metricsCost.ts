// What serving Prometheus metrics costs a run (issue 15): the same run with and without
// --metrics-port (scraped every second, as Prometheus would), interleaved, medians of 3.
import { writeFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { ConnectSimulator } from "../src/simulator/index.js";
import { freePort } from "../test/integration/privateRedis.js";
import { deletePrefix, median, REDIS_URL, runCli, table, writeSection } from "./lib.js";

const ROWS = 20_000;

export async function benchMetricsCost(): Promise<void> {
  const redis = new Redis(REDIS_URL);
  const dir = await mkdtemp(join(tmpdir(), "cb-bench-metrics-"));
  const sim = new ConnectSimulator({ autoCreate: true, latencyMs: 1 });
  const { endpoint } = await sim.start();
  const prefix = `cb-bench-metrics-${Date.now()}`;
  const file = join(dir, "rows.csv");
  const lines = ["contactId,tier,owner"];
  for (let i = 0; i < ROWS; i++) lines.push(`${String(i).padStart(8, "0")}-aaaa-4bbb-8ccc-123456789abc,gold,agent-${i % 500}`);
  await writeFile(file, `${lines.join("\n")}\n`);
  let n = 0;
  const once = async (withMetrics: boolean): Promise<number> => {
    const port = withMetrics ? await freePort() : 0;
    const args = [
      "run",
      file,
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
      "--run-id",
      `m${n++}`,
    ];
    if (withMetrics) args.push("--metrics-port", String(port));
    const t0 = Date.now();
    const { done } = runCli(args, { LOG_LEVEL: "warn" });
    const scraper = withMetrics
      ? setInterval(
          () =>
            void fetch(`http://127.0.0.1:${port}/metrics`)
              .then((r) => r.text())
              .catch(() => undefined),
          1000,
        )
      : undefined;
    const res = await done;
    clearInterval(scraper);
    if (res.code !== 0) throw new Error(`bench run failed (${res.code}): ${res.stderr.slice(0, 300)}`);
    return ROWS / ((Date.now() - t0) / 1000);
  };
  try {
    const without: number[] = [];
    const withM: number[] = [];
    for (let i = 0; i < 3; i++) {
      without.push(await once(false));
      withM.push(await once(true));
    }
    const a = median(without);
    const b = median(withM);
    const rows: Array<Array<string | number>> = [
      ["without metrics (baseline)", a.toFixed(0), without.map((x) => x.toFixed(0)).join(", "), "1.00x"],
      ["--metrics-port, scraped every second", b.toFixed(0), withM.map((x) => x.toFixed(0)).join(", "), `${(b / a).toFixed(3)}x`],
    ];
    await writeSection(
      "metrics",
      `## What metrics cost (issue 15)

Command: \`npm run bench -- metrics\` (run on ${new Date().toISOString().slice(0, 10)}, 2-core machine, Redis and the simulator on the same host).
A ${ROWS.toLocaleString("en-US")}-row \`connect-backfill run\` (\`--rate 4000 --concurrency 64\`, 1 ms simulated latency), with and without \`--metrics-port\`, runs interleaved; rows/s from process start to exit, medians of 3.

${table(["run", "median rows/s", "each run", "throughput / baseline"], rows)}
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
