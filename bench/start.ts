// The first keystroke (issue 25): how long a command takes from `node bin/connect-backfill.js …` to its exit,
// beside `node -e 0` (Node's own start) measured in the same run. Each command loads what it needs when it
// needs it, so --version, help and a usage error load no Redis client, BullMQ, SDK, express or prom-client.
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { ConnectSimulator } from "../src/simulator/index.js";
import { AWS_ENV, deletePrefix, median, REDIS_URL, ROOT, runCli, table, writeSection } from "./lib.js";
import { previousRelease } from "./previousRelease.js";

/** The last commit before commands loaded what they need when they need it (issue 25): the baseline. */
const BEFORE = "312f568";

const TIMES = 5;
const TARGET_S = 0.3;

function timed(args: string[], env: Record<string, string>): number {
  const t0 = process.hrtime.bigint();
  spawnSync(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...AWS_ENV, REDIS_URL, ...env }, stdio: "ignore" });
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

export async function benchStart(): Promise<void> {
  const redis = new Redis(REDIS_URL);
  const dir = await mkdtemp(join(tmpdir(), "cb-bench-start-"));
  const sim = new ConnectSimulator({ autoCreate: true });
  const { endpoint } = await sim.start();
  const prefix = `cb-bench-start-${Date.now()}`;
  const before = await previousRelease(BEFORE);
  try {
    // A finished run for `status <run>` to read.
    const file = join(dir, "rows.csv");
    await writeFile(file, "contactId,tier\n11111111-aaaa-4bbb-8ccc-123456789abc,gold\n");
    const made = await runCli(["run", file, "--instance-id", "inst", "--prefix", prefix, "--endpoint", endpoint, "--reports-dir", dir, "--quiet", "--run-id", "s1"])
      .done;
    if (made.code !== 0) throw new Error(`bench run failed (${made.code}): ${made.stderr.slice(0, 300)}`);
    const bin = join(ROOT, "bin/connect-backfill.js");
    const commands: Array<[string, string[]]> = [
      ["`--version`", ["--version"]],
      ["`help`", ["help"]],
      ["`help run`", ["help", "run"]],
      ["a usage error (`run --bogus`)", ["run", "--bogus"]],
      ["`status <run>` (finished)", ["status", "s1", "--prefix", prefix]],
    ];
    const cases: Array<[string, string[]]> = [["`node -e 0` (baseline)", ["-e", "0"]]];
    for (const [name, args] of commands) {
      cases.push([name, [bin, ...args]]);
      // Its own CONNECT_BACKFILL_FROM_SOURCE unset and its dist/ fresh, the release before runs compiled code too.
      if (before) cases.push([`${name}, before (${BEFORE})`, [before.bin, ...args]]);
    }
    const samples = cases.map(() => [] as number[]);
    // Interleaved, so a busy moment of the machine falls on every command alike.
    for (let i = 0; i < TIMES; i++) {
      for (const [k, [, args]] of cases.entries()) samples[k]?.push(timed(args, { LOG_LEVEL: "warn" }));
    }
    const base = median(samples[0] ?? []);
    const medianOf = (name: string) => median(samples[cases.findIndex(([n]) => n === name)] ?? []);
    const rows = cases.map(([name], k) => {
      const m = median(samples[k] ?? []);
      const isBefore = name.includes(", before (");
      const beforeName = `${name}, before (${BEFORE})`;
      return [
        name,
        m.toFixed(3),
        (samples[k] ?? []).map((x) => x.toFixed(2)).join(", "),
        k === 0 ? "–" : (m - base).toFixed(3),
        k === 0 || isBefore || !before ? "–" : `${(m / medianOf(beforeName)).toFixed(2)}x`,
        k === 0 || isBefore ? "–" : m <= TARGET_S ? "yes" : "no",
      ];
    });
    await writeSection(
      "start",
      `## The first keystroke (issue 25)

Command: \`npm run bench -- start\` (run on ${new Date().toISOString().slice(0, 10)}, 2-core machine shared with other work).
Wall time of each command as a child process, from spawn to exit, compiled \`dist/\` through \`bin/\`; medians of ${TIMES}, interleaved,
beside \`node -e 0\` and the same commands of the release before (${BEFORE}, built in a temporary worktree).
\`status <run>\` reads a finished run from the local Redis.

${table(["command", "median s", "each run", "over node -e 0 (s)", "÷ before", `≤ ${TARGET_S} s`], rows)}
`,
    );
    console.log(rows);
  } finally {
    await before?.remove();
    await sim.stop();
    await deletePrefix(redis, prefix);
    await rm(dir, { recursive: true, force: true });
    redis.disconnect();
  }
}
