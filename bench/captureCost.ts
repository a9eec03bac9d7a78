// What --capture-before costs a run: the same file with and without it, at a simulated quota of
// 100 req/s (burst 100) for every operation and --rate 100, runs interleaved, medians of 3. Each call
// then reads the contact first (GetContactAttributes, its own quota) and keeps the before-image in the
// run's spool.
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { ConnectSimulator } from "../src/simulator/index.js";
import { deletePrefix, median, REDIS_URL, runCli, table, writeSection } from "./lib.js";

const ROWS = 3_000;
const QUOTA = 100;
const INSTANCE = "inst";

const contactId = (i: number) => `${String(i).padStart(8, "0")}-aaaa-4bbb-8ccc-123456789abc`;
/** A value of 20 characters. */
const value = (label: string, i: number) => `${label}-${String(i).padStart(20 - label.length - 1, "0")}`;

interface RunResult {
  wallS: number;
  update: { ok: number; throttled: number };
  read: { ok: number; throttled: number };
  spoolBytes: number;
  csvBytes: number;
}

export async function benchCaptureCost(): Promise<void> {
  const redis = new Redis(REDIS_URL);
  const dir = await mkdtemp(join(tmpdir(), "cb-bench-capture-"));
  const sim = new ConnectSimulator({ rate: QUOTA, burst: QUOTA, latencyMs: 1 });
  const { endpoint } = await sim.start();
  const prefix = `cb-bench-capture-${Date.now()}`;
  const file = join(dir, "rows.csv");
  // Each row sets one name the contact holds (tier) and one it does not (note).
  const lines = ["contactId,tier,note"];
  for (let i = 0; i < ROWS; i++) lines.push(`${contactId(i)},${value("platinum", i)},${value("note", i)}`);
  await writeFile(file, `${lines.join("\n")}\n`);
  const started = new Date(Date.now() - 30 * 24 * 3600 * 1000);
  /** Every contact back to 3 attributes of 20 characters, so each run reads and replaces the same. */
  const seed = () => {
    for (let i = 0; i < ROWS; i++) {
      sim.addContact({
        instanceId: INSTANCE,
        contactId: contactId(i),
        initiationTimestamp: started,
        attributes: { tier: value("gold", i), owner: value("agent", i % 500), queue: value("queue", i % 20) },
      });
    }
  };
  let n = 0;
  const once = async (capture: boolean): Promise<RunResult> => {
    seed();
    sim.reset();
    const runId = `c${n++}`;
    const runPrefix = `${prefix}-${runId}`; // a fresh governor per run: none starts from another's learned rate
    const reports = join(dir, "reports");
    const args = [
      "run",
      file,
      "--instance-id",
      INSTANCE,
      "--prefix",
      runPrefix,
      "--endpoint",
      endpoint,
      "--reports-dir",
      reports,
      "--rate",
      String(QUOTA),
      "--quiet",
      "--run-id",
      runId,
    ];
    if (capture) args.push("--capture-before");
    const t0 = Date.now();
    const { done } = runCli(args, { LOG_LEVEL: "warn" });
    const res = await done;
    const wallS = (Date.now() - t0) / 1000;
    await deletePrefix(redis, runPrefix);
    if (res.code !== 0) throw new Error(`bench run failed (${res.code}): ${res.stderr.slice(0, 300)}`);
    const { byOperation } = sim.stats();
    const u = byOperation.UpdateContactAttributes;
    const g = byOperation.GetContactAttributes;
    if (u.ok !== ROWS) throw new Error(`expected ${ROWS} updates accepted, got ${u.ok}`);
    return {
      wallS,
      update: { ok: u.ok, throttled: u.throttled },
      read: { ok: g.ok, throttled: g.throttled },
      spoolBytes: (await stat(join(reports, runId, ".outcomes.spool"))).size,
      csvBytes: (await stat(join(reports, runId, "outcomes.csv"))).size,
    };
  };
  try {
    const without: RunResult[] = [];
    const withC: RunResult[] = [];
    for (let i = 0; i < 3; i++) {
      without.push(await once(false));
      withC.push(await once(true));
    }
    const m = (rs: RunResult[], f: (r: RunResult) => number) => median(rs.map(f));
    const summary = (rs: RunResult[]) => ({
      updOk: m(rs, (r) => r.update.ok),
      updThr: m(rs, (r) => r.update.throttled),
      readOk: m(rs, (r) => r.read.ok),
      readThr: m(rs, (r) => r.read.throttled),
      calls: m(rs, (r) => r.update.ok + r.update.throttled + r.read.ok + r.read.throttled),
      wallS: m(rs, (r) => r.wallS),
      rowsPerS: m(rs, (r) => ROWS / r.wallS),
      spool: m(rs, (r) => r.spoolBytes / ROWS),
      csv: m(rs, (r) => r.csvBytes / ROWS),
    });
    const a = summary(without);
    const b = summary(withC);
    const ratio = (x: number, y: number) => (y === 0 ? "n/a" : `${(x / y).toFixed(2)}x`);
    const rows: Array<Array<string | number>> = [
      [
        "without --capture-before (baseline)",
        `${a.updOk} / ${a.updThr}`,
        `${a.readOk} / ${a.readThr}`,
        a.calls,
        `${a.wallS.toFixed(1)} (${without.map((r) => r.wallS.toFixed(1)).join(", ")})`,
        a.rowsPerS.toFixed(0),
        a.spool.toFixed(0),
        a.csv.toFixed(0),
      ],
      [
        "--capture-before",
        `${b.updOk} / ${b.updThr}`,
        `${b.readOk} / ${b.readThr}`,
        b.calls,
        `${b.wallS.toFixed(1)} (${withC.map((r) => r.wallS.toFixed(1)).join(", ")})`,
        b.rowsPerS.toFixed(0),
        b.spool.toFixed(0),
        b.csv.toFixed(0),
      ],
      [
        "with / without",
        ratio(b.updOk + b.updThr, a.updOk + a.updThr),
        "-",
        ratio(b.calls, a.calls),
        ratio(b.wallS, a.wallS),
        ratio(b.rowsPerS, a.rowsPerS),
        ratio(b.spool, a.spool),
        ratio(b.csv, a.csv),
      ],
    ];
    const slower = b.wallS / a.wallS;
    await writeSection(
      "capture",
      `## What --capture-before costs

Command: \`npm run bench -- capture\` (run on ${new Date().toISOString().slice(0, 10)}, 2-core machine, Redis and the simulator on the same host).
A ${ROWS.toLocaleString("en-US")}-row \`connect-backfill run\` (\`--rate ${QUOTA}\`, default concurrency) against the simulator with a quota of ${QUOTA} req/s, burst ${QUOTA}, for each operation separately, 1 ms simulated latency; every contact is seeded (before each run) with 3 attributes of 20 characters, and each row sets 2 (\`tier\`, which the contact holds, and \`note\`, which it does not) to 20-character values. Without and with \`--capture-before\`, runs interleaved, medians of 3 (each run's wall time in brackets); wall time from process start to exit; bytes per row are the size of \`<reports-dir>/<runId>/.outcomes.spool\` and of \`outcomes.csv\` divided by the rows.

${table(["run", "UpdateContactAttributes ok / throttled", "GetContactAttributes ok / throttled", "API calls in all", "wall s", "rows/s", "spool bytes/row", "outcomes.csv bytes/row"], rows)}

Capture makes ${ratio(b.calls, a.calls)} the API calls (a GetContactAttributes read before every UpdateContactAttributes), but the reads go to GetContactAttributes' own quota and governor, so at the same quota per API the run took ${slower.toFixed(2)}x the baseline's wall time (${b.rowsPerS.toFixed(0)} against ${a.rowsPerS.toFixed(0)} rows/s). What it does cost is the other quota (an account's GetContactAttributes budget, which anything else reading contacts shares) and the spool: ${ratio(b.spool, a.spool)} the bytes per row (${b.spool.toFixed(0)} against ${a.spool.toFixed(0)}), the before-image kept for \`rollback\`.
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
