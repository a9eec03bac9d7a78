// Rate governor against the SDK's own retry modes, all through the real SDK
// against the simulator's token bucket. See BENCHMARKS.md for the table.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { ConnectClient, UpdateContactAttributesCommand } from "@aws-sdk/client-connect";
import { Redis } from "ioredis";
import pLimit from "p-limit";
import { keysFor } from "../src/store/keys.js";
import { RunStore } from "../src/store/RunStore.js";
import { foreignCaller } from "./foreignCaller.js";
import { SimProcess } from "./simProcess.js";
import { deletePrefix, REDIS_URL, runCli, sleep, table, writeSection } from "./lib.js";

type Contender = "connect-backfill" | "sdk standard retry (p-limit 50)" | "sdk adaptive retry (p-limit 50)";

interface Scenario {
  readonly name: string;
  /** The service's limit (req/s); null = unlimited. */
  readonly limit: number | null;
  readonly told: number;
  readonly processes: number;
  readonly rows: number;
  /** [seconds after the first request, new limit] */
  readonly changes?: ReadonlyArray<readonly [number, number]>;
  readonly latencyMs: number;
  /** The bucket's size for a rate: Connect's published defaults give 1.5x (10/s, burst 15); the shallow one is 20 whatever the rate. */
  readonly shape: Shape;
  /** Another caller of the account (a contact flow): a steady this many calls/s, one try each. */
  readonly foreign?: number;
  /** connect-backfill's --headroom (default 0: a backfill that owns the quota). */
  readonly headroom?: number;
  /** Rows per queued job for connect-backfill (default 100; the unthrottled run uses the tool's default, 500). */
  readonly chunkSize?: number;
}

interface Result {
  readonly contender: string;
  readonly goodputShare: number | undefined;
  readonly throttledShare: number;
  /** The other caller's calls throttled, as a share of its calls (scenarios with one). */
  readonly foreignThrottled?: number;
  readonly lost: number;
  readonly wallS: number;
  readonly rowsPerS: number;
}

interface Shape {
  readonly name: string;
  burst(rate: number): number;
}
const SHALLOW: Shape = { name: "burst 20", burst: () => 20 };
const SERVICE: Shape = { name: "burst 1.5x the rate (Connect's shape)", burst: (rate) => Math.round(rate * 1.5) };

const ITERATE = Number(process.env.BENCH_ITERATE ?? 0);
const CONCURRENCY = 50;

function integrateLimit(s: Scenario, fromS: number, toS: number): number {
  // piecewise constant limit; fromS/toS are seconds since the first request
  const points: Array<readonly [number, number]> = [[0, s.limit ?? 0], ...(s.changes ?? [])];
  let total = 0;
  for (let i = 0; i < points.length; i++) {
    const [start, rate] = points[i] as readonly [number, number];
    const end = i + 1 < points.length ? (points[i + 1] as readonly [number, number])[0] : Infinity;
    const a = Math.max(start, fromS);
    const b = Math.min(end, toS);
    if (b > a) total += (b - a) * rate;
  }
  return total;
}

async function measure(sim: SimProcess, s: Scenario, contender: string, go: () => Promise<number>): Promise<Result> {
  await sim.reset();
  await sim.setRate(s.limit, s.limit ? s.shape.burst(s.limit) : undefined);
  const foreign = s.foreign ? foreignCaller(sim.endpoint, s.foreign) : undefined;
  if (foreign) {
    // The other caller was there first: its steady state before the contender starts.
    await sleep(2000);
    await sim.reset();
    foreign.reset();
  }
  let first = 0;
  let done = false;
  const timers: NodeJS.Timeout[] = [];
  const pending: Array<Promise<void>> = [];
  // Polls for the first request every 5 ms, then stops (no admin traffic while the contenders run).
  const watch = (async () => {
    while (!done && first === 0) {
      // With another caller, its own calls do not count as the contender's first (measured afterwards from the accepted log).
      if (!foreign && (await sim.stats()).requests > 0) {
        first = Date.now();
        for (const [at, rate] of s.changes ?? []) timers.push(setTimeout(() => pending.push(sim.setRate(rate, s.shape.burst(rate))), at * 1000));
      } else await sleep(5);
    }
  })();
  const t0 = Date.now();
  let lost: number;
  try {
    lost = await go();
  } finally {
    done = true;
    for (const t of timers) clearTimeout(t);
    await watch.catch(() => undefined);
    await foreign?.stop();
  }
  let end = Date.now();
  await Promise.all(pending);
  const st = await sim.stats();
  const op = st.byOperation.UpdateContactAttributes;
  const fc = foreign?.counts;
  const calls = op.ok + op.throttled + op.errors - (fc?.sent ?? 0);
  if (fc) {
    // The contender's own first and last accepted calls (its rows are b-*).
    const mine = (await sim.updates()).filter((u) => u.contactId.startsWith("b-"));
    first = mine[0]?.at ?? t0;
    end = mine.at(-1)?.at ?? end;
  }
  let goodputShare: number | undefined;
  if (s.limit) {
    // steady state: leave out the first 2 s (start-up, discovery) and the last partial second
    const fromS = 2;
    const toS = (end - first) / 1000 - 1;
    const firstSec = Math.floor(first / 1000);
    const inWindow = (sec: number) => sec - firstSec >= fromS && sec - firstSec < Math.floor(toS);
    const all = st.timeline.filter((e) => inWindow(e.second)).reduce((n, e) => n + e.ok, 0);
    const theirs = (fc?.okAt ?? []).filter((at) => inWindow(Math.floor(at / 1000))).length;
    // With another caller: the share of what it leaves (limit minus its rate) that the contender got.
    const lim = integrateLimit(s, fromS, Math.floor(toS)) * (s.foreign ? 1 - s.foreign / s.limit : 1);
    goodputShare = lim > 0 ? (all - theirs) / lim : undefined;
    if (process.env.BENCH_TRACE) console.log(contender, st.timeline.map((e) => `${e.second - firstSec}:${e.ok}/${e.throttled}`).join(" "));
  }
  // Throughput from the first accepted call to the last: the processing rate,
  // without process start-up or queue-filling time on either side.
  // (the accepted summary gives the count and first/last times of sim.updates() without sending the whole log)
  const { total, firstAt, lastAt } = st.accepted;
  const span = total > 1 && firstAt !== null && lastAt !== null ? (lastAt - firstAt) / 1000 : (end - t0) / 1000;
  return {
    contender,
    goodputShare,
    throttledShare: calls > 0 ? (op.throttled - (fc?.throttled ?? 0)) / calls : 0,
    ...(fc ? { foreignThrottled: fc.throttled / Math.max(1, fc.sent) } : {}),
    lost,
    wallS: (end - t0) / 1000,
    rowsPerS: total / span,
  };
}

async function runOurs(sim: SimProcess, endpoint: string, s: Scenario): Promise<Result> {
  const prefix = `bench-${randomBytes(3).toString("hex")}`;
  const dir = await mkdtemp(join(tmpdir(), "cb-bench-"));
  const file = join(dir, "rows.csv");
  const lines = ["contactId,v"];
  for (let i = 0; i < s.rows; i++) lines.push(`b-${i},${i}`);
  await writeFile(file, `${lines.join("\n")}\n`);
  const redis = new Redis(REDIS_URL);
  try {
    const common = ["--prefix", prefix, "--log-level", "error"];
    const enq = await runCli([
      "enqueue",
      file,
      "--instance-id",
      "bench",
      "--run-id",
      "bench",
      "--endpoint",
      endpoint,
      "--chunk-size",
      String(s.chunkSize ?? 100),
      ...common,
    ]).done;
    if (enq.code !== 0) throw new Error(`enqueue failed: ${enq.stderr}`);
    return await measure(sim, s, "connect-backfill", async () => {
      const workers = Array.from({ length: s.processes }, () =>
        runCli([
          "work",
          "--exit-when-idle",
          "--rate",
          String(s.told),
          // A backfill that owns the quota, unless the scenario shares it with another caller.
          "--headroom",
          String(s.headroom ?? 0),
          "--concurrency",
          String(CONCURRENCY),
          "--endpoint",
          endpoint,
          "--chunk-size",
          String(s.chunkSize ?? 100),
          ...common,
        ]),
      );
      for (const w of workers) {
        const r = await w.done;
        if (r.code !== 0) throw new Error(`worker failed: ${r.stderr}`);
      }
      const p = await new RunStore(redis, keysFor(prefix)).progress("bench");
      return s.rows - (p?.counts.updated ?? 0);
    });
  } finally {
    await deletePrefix(redis, prefix);
    await redis.quit();
    await rm(dir, { recursive: true, force: true });
  }
}

async function runSdk(sim: SimProcess, endpoint: string, s: Scenario, mode: "standard" | "adaptive"): Promise<Result> {
  // One client per "process": the SDK's retry quota and adaptive limiter live in a client.
  const clients = Array.from(
    { length: s.processes },
    () => new ConnectClient({ region: "us-east-1", endpoint, retryMode: mode, maxAttempts: 3, requestHandler: { httpAgent: { keepAlive: true, maxSockets: 64 } } }),
  );
  const name: Contender = mode === "standard" ? "sdk standard retry (p-limit 50)" : "sdk adaptive retry (p-limit 50)";
  try {
    return await measure(sim, s, name, async () => {
      const results = await Promise.all(
        clients.map(async (client, ci) => {
          const limit = pLimit(CONCURRENCY);
          const mine = Array.from({ length: s.rows }, (_, i) => i).filter((i) => i % s.processes === ci);
          const settled = await Promise.allSettled(
            mine.map((i) =>
              limit(() => client.send(new UpdateContactAttributesCommand({ InstanceId: "bench", InitialContactId: `b-${i}`, Attributes: { v: String(i) } }))),
            ),
          );
          return settled.filter((r) => r.status === "rejected").length;
        }),
      );
      return results.reduce((a, b) => a + b, 0);
    });
  } finally {
    for (const c of clients) c.destroy();
  }
}

const pct = (x: number | undefined) => (x === undefined ? "-" : `${(x * 100).toFixed(1)}%`);

export async function benchGovernor(only?: string): Promise<void> {
  const sim = await SimProcess.start(10);
  try {
    await runScenarios(sim, only);
  } finally {
    await sim.stop();
  }
}

async function runScenarios(sim: SimProcess, only?: string): Promise<void> {
  const { endpoint } = sim;
  // Each scenario on both bucket shapes: the shallow one the bench used first, and the service's own (1.5x).
  const scenarios: Scenario[] = [SHALLOW, SERVICE]
    .flatMap((shape): Scenario[] => [
      { name: "told exactly: limit 100/s, told 100", limit: 100, told: 100, processes: 1, rows: 2000, latencyMs: 10, shape },
      { name: "told 4x: limit 100/s, told 400", limit: 100, told: 400, processes: 1, rows: 2000, latencyMs: 10, shape },
      {
        name: "limit drop: limit 100/s, 40/s from 10 s to 25 s, told 400",
        limit: 100,
        told: 400,
        processes: 1,
        rows: 3200,
        changes: [[10, 40] as const, [25, 100] as const],
        latencyMs: 10,
        shape,
      },
      { name: "two processes told 400, limit 100/s", limit: 100, told: 400, processes: 2, rows: 2000, latencyMs: 10, shape },
      {
        name: "foreign caller: limit 100/s, another caller at 30/s, told 400, default --headroom 0.1",
        limit: 100,
        told: 400,
        processes: 1,
        rows: 2000,
        latencyMs: 10,
        shape,
        foreign: 30,
        headroom: 0.1,
      },
    ])
    .filter((s) => !only || `${s.name} ${s.shape.name}`.includes(only));
  const sections: string[] = [];
  const summary: Array<Array<string | number>> = [];
  const loadAtStart = loadavg()[0] ?? 0;
  for (const s of scenarios) {
    await sim.setLatency(s.latencyMs);
    const results: Result[] = [];
    results.push(await runOurs(sim, endpoint, s));
    if (ITERATE) {
      // BENCH_ITERATE=N: connect-backfill only, N times, printed and not written (for tuning the governor)
      for (let i = 1; i < ITERATE; i++) results.push(await runOurs(sim, endpoint, s));
    } else {
      results.push(await runSdk(sim, endpoint, s, "standard"));
      results.push(await runSdk(sim, endpoint, s, "adaptive"));
    }
    await sleep(500);
    const rows = results.map((r) => [
      r.contender,
      pct(r.goodputShare),
      pct(r.throttledShare),
      ...(s.foreign ? [pct(r.foreignThrottled)] : []),
      r.lost,
      r.wallS.toFixed(1),
    ]);
    const goodput = s.foreign ? `steady goodput / the ${(s.limit ?? 0) - s.foreign}/s left` : "steady goodput / limit";
    sections.push(
      `### ${s.name}; ${s.shape.name} (${s.rows} rows, ${s.latencyMs} ms latency)\n\n${table(["contender", goodput, "calls throttled", ...(s.foreign ? ["other caller throttled"] : []), "rows lost", "wall s"], rows)}`,
    );
    const cell = (r: Result | undefined) =>
      r ? `${pct(r.goodputShare)} / ${pct(r.throttledShare)}${r.foreignThrottled === undefined ? "" : ` (other: ${pct(r.foreignThrottled)})`}` : "-";
    summary.push([s.name.split(":")[0] ?? s.name, s.shape.name, cell(results[0]), cell(results[1]), cell(results[2])]);
    console.log(sections.at(-1));
  }
  if (ITERATE) return;
  const load = `1-minute load average ${loadAtStart.toFixed(1)} at the start, ${(loadavg()[0] ?? 0).toFixed(1)} at the end`;
  await writeSection(
    "governor",
    `## Rate governor vs the SDK's retry modes (issue 3)\n\nCommand: \`npm run bench -- governor\` (run on ${new Date().toISOString().slice(0, 10)}, 2-core machine, Redis on the same host, the simulator in its own process: \`connect-backfill simulate\`, driven over its admin API; ${load}).\n` +
      `Goodput is successful calls per second from the third second to the last whole second, as a share of the limit in force (time-integrated when the limit changes). ` +
      `"Rows lost" are rows that never got a successful call (for connect-backfill: rows not \`updated\`). ` +
      `With another caller, goodput is the contender's share of what that caller leaves, and "other" is the share of that caller's calls throttled.\n\n` +
      `Summary (steady goodput / calls throttled):\n\n${table(["scenario", "bucket", "connect-backfill", "sdk standard retry (p-limit 50)", "sdk adaptive retry (p-limit 50)"], summary)}\n\n${sections.join("\n\n")}`,
  );
}
