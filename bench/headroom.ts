// Sharing the quota with production traffic (issue 16, part 3): another caller uses 30% of a 100/s
// quota at a steady rate while a backfill runs, with --headroom 0.1 (the default) and with 0 (before).
// Both sides are reported: the other caller's throttled share and the backfill's goodput.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConnectClient, UpdateContactAttributesCommand } from "@aws-sdk/client-connect";
import { Redis } from "ioredis";
import { ConnectSimulator } from "../src/simulator/index.js";
import { deletePrefix, REDIS_URL, runCli, table, writeSection } from "./lib.js";

const LIMIT = 100;
const BURST = 20;
const OTHER = 30;
const ROWS = 5000;

interface Side {
  readonly headroom: number;
  readonly otherSent: number;
  readonly otherThrottled: number;
  readonly backfillRate: number;
  readonly backfillThrottled: number;
  readonly wallS: number;
  readonly lost: number;
}

/** Production's own caller: a steady OTHER calls/s, one try each (a flow does not retry), counting its throttles. */
function startOtherCaller(endpoint: string): { stop: () => Promise<{ sent: number; throttled: number }>; reset: () => void } {
  const client = new ConnectClient({ region: "us-east-1", endpoint, maxAttempts: 1, credentials: { accessKeyId: "x", secretAccessKey: "x" } });
  let sent = 0;
  let throttled = 0;
  let n = 0;
  const inFlight = new Set<Promise<void>>();
  const timer = setInterval(() => {
    const p = client
      .send(new UpdateContactAttributesCommand({ InstanceId: "bench", InitialContactId: `other-${n++}`, Attributes: { flow: "1" } }))
      .then(
        () => {
          sent++;
        },
        (err: { name?: string; $metadata?: { httpStatusCode?: number } }) => {
          sent++;
          if (err.name === "ThrottlingException" || err.$metadata?.httpStatusCode === 429) throttled++;
        },
      )
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }, 1000 / OTHER);
  return {
    reset: () => {
      sent = 0;
      throttled = 0;
    },
    stop: async () => {
      clearInterval(timer);
      await Promise.all(inFlight);
      client.destroy();
      return { sent, throttled };
    },
  };
}

async function once(sim: ConnectSimulator, endpoint: string, headroom: number): Promise<Side> {
  sim.reset();
  sim.setRate(LIMIT, BURST);
  const prefix = `bench-headroom-${randomBytes(3).toString("hex")}`;
  const dir = await mkdtemp(join(tmpdir(), "cb-bench-headroom-"));
  const file = join(dir, "rows.csv");
  const lines = ["contactId,v"];
  for (let i = 0; i < ROWS; i++) lines.push(`b-${i},${i}`);
  await writeFile(file, `${lines.join("\n")}\n`);
  const redis = new Redis(REDIS_URL);
  const other = startOtherCaller(endpoint);
  try {
    const common = ["--prefix", prefix, "--log-level", "error", "--endpoint", endpoint];
    const enq = await runCli(["enqueue", file, "--instance-id", "bench", "--run-id", "bench", "--chunk-size", "100", ...common]).done;
    if (enq.code !== 0) throw new Error(`enqueue failed: ${enq.stderr}`);
    // Production was there first: its steady state before the backfill starts.
    await new Promise((r) => setTimeout(r, 3000));
    other.reset();
    const t0 = Date.now();
    const work = await runCli(["work", "--exit-when-idle", "--rate", "400", "--headroom", String(headroom), "--concurrency", "50", "--chunk-size", "100", ...common])
      .done;
    if (work.code !== 0) throw new Error(`worker failed: ${work.stderr}`);
    const end = Date.now();
    const o = await other.stop();
    const mine = sim.updates(0, "UpdateContactAttributes").filter((u) => u.contactId.startsWith("b-"));
    // Steady state: from the fifth second (discovery) to the last whole second.
    const from = (mine[0]?.at ?? t0) + 5000;
    const to = (mine.at(-1)?.at ?? end) - 1000;
    const steady = mine.filter((u) => u.at >= from && u.at < to).length / Math.max(1, (to - from) / 1000);
    const st = sim.stats().byOperation.UpdateContactAttributes;
    return {
      headroom,
      otherSent: o.sent,
      otherThrottled: o.throttled,
      backfillRate: steady,
      backfillThrottled: st.throttled - o.throttled,
      wallS: (end - t0) / 1000,
      lost: ROWS - mine.length,
    };
  } finally {
    await other.stop().catch(() => undefined);
    await deletePrefix(redis, prefix);
    await redis.quit();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchHeadroom(): Promise<void> {
  const sim = new ConnectSimulator({ autoCreate: true, latencyMs: 10 });
  const { endpoint } = await sim.start();
  const results: Side[] = [];
  try {
    for (const h of [0.1, 0]) results.push(await once(sim, endpoint, h));
  } finally {
    await sim.stop();
  }
  const left = LIMIT - OTHER;
  const rows = results.map((r) => [
    r.headroom === 0 ? "--headroom 0 (before: the backfill takes what it finds)" : `--headroom ${r.headroom} (default)`,
    `${r.otherThrottled} of ${r.otherSent} (${((r.otherThrottled / Math.max(1, r.otherSent)) * 100).toFixed(2)}%)`,
    `${r.backfillRate.toFixed(1)}/s`,
    `${((r.backfillRate / (left * (1 - r.headroom))) * 100).toFixed(0)}%`,
    r.backfillThrottled,
    r.lost,
    r.wallS.toFixed(0),
  ]);
  const text =
    `## Sharing the quota with production (issue 16)\n\nCommand: \`npm run bench -- headroom\` (run on ${new Date().toISOString().slice(0, 10)}). ` +
    `A ${LIMIT}/s quota (burst ${BURST}) shared by a steady caller at ${OTHER}/s (one try per call, as a contact flow makes) and a backfill of ${ROWS} rows ` +
    `told --rate 400 (it does not know the quota). Targets: the other caller's throttled share at most 1%; the backfill's steady goodput at least 85% of what is left after the headroom ((${LIMIT} - ${OTHER}) x (1 - headroom)).\n\n` +
    table(
      ["backfill", "other caller throttled", "backfill steady goodput", "of what is left after headroom", "backfill calls throttled", "rows lost", "wall s"],
      rows,
    ) +
    `\n\nWith headroom the backfill paces under 90% of the rate it found safe and probes above it once a minute for two seconds (again within seconds while probes pass); without it, it rides the limit, and every overshoot lands on production's calls too.`;
  console.log(text);
  await writeSection("headroom", text);
}
