// The package as a user gets it (issue 26): `npm pack`, installed from the tarball into an empty folder with
// --omit=dev, then `npx connect-backfill --version`, the library and simulator entry points, and a small run
// against the simulator, all from that folder. Nothing of the repository is on the path: only the tarball.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = new URL("../../", import.meta.url).pathname;
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const npm = (args: string[], cwd: string) => execFileSync("npm", args, { cwd, encoding: "utf8", env: { ...process.env, npm_config_loglevel: "error" } });

let dir: string;
let consumer: string;
let packed: Array<{ path: string }>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cb-pack-"));
  // --ignore-scripts: dist/ is what `npm run build` made (the test command builds first); packing must not need
  // a compiler on the consumer's side, and `prepare` would only build it again.
  const out = JSON.parse(npm(["pack", "--json", "--ignore-scripts", "--pack-destination", dir], ROOT)) as Array<{ filename: string; files: Array<{ path: string }> }>;
  packed = out[0]?.files ?? [];
  consumer = join(dir, "consumer");
  execFileSync("mkdir", [consumer]);
  writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  // From the tarball; its dependencies from the registry, through the local cache when it has them.
  npm(["install", "--omit=dev", "--prefer-offline", "--no-audit", "--no-fund", join(dir, out[0]?.filename ?? "")], consumer);
}, 300_000);

afterAll(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  await dropPrefix(`cb-pack-${process.pid}:`);
});

/** Removes what the test left under its own prefix (a run's keys, the governor's state). */
async function dropPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== "0");
  redis.disconnect();
}

describe("the packed tarball", () => {
  it("holds what runs: compiled JS, declarations, the bin, the job schema and the examples; no sources, tests or maps", () => {
    const paths = packed.map((f) => f.path);
    expect(paths).toContain("bin/connect-backfill.js");
    expect(paths).toContain("dist/cli/main.js");
    expect(paths).toContain("dist/index.d.ts");
    expect(paths).toContain("dist/simulator/index.js");
    expect(paths).toContain("src/jobs/job.schema.json");
    expect(paths).toContain("examples/contacts.csv");
    expect(paths).toContain("jobs/nightly-crm.json");
    const stray = paths
      .filter((p) => /\.ts$/.test(p) && !p.endsWith(".d.ts"))
      .concat(paths.filter((p) => /^(test|bench|scripts|\.ci|docs|deploy)\/|\.map$|^Dockerfile$/.test(p)));
    expect(stray).toEqual([]);
  });

  it("installs without a compiler: neither tsx nor typescript is there at run time", () => {
    const installed = readdirSync(join(consumer, "node_modules"));
    expect(installed).toContain("connect-backfill");
    expect(installed).toContain("bullmq");
    for (const dev of ["tsx", "typescript", "vitest", "esbuild", "@biomejs"]) expect(installed).not.toContain(dev);
  });

  it("npx connect-backfill --version prints the package's version", () => {
    const version = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
    const r = spawnSync("npx", ["--no-install", "connect-backfill", "--version"], { cwd: consumer, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(`connect-backfill ${version}\n`);
    expect(r.status).toBe(0);
  });

  it("runs the bundled example against the simulator of its subpath export, and the library entry loads", () => {
    const prefix = `cb-pack-${process.pid}`;
    // A user's script: the simulator from "connect-backfill/simulator", the CLI through npx, the API from "connect-backfill".
    writeFileSync(
      join(consumer, "try.mjs"),
      `import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadConfig, STATUSES } from "connect-backfill";
import { ConnectSimulator } from "connect-backfill/simulator";
const seeds = JSON.parse(readFileSync("node_modules/connect-backfill/examples/contacts.seed.json", "utf8"));
const sim = new ConnectSimulator({ retentionMonths: 1200, contacts: seeds });
const { endpoint } = await sim.start();
// spawn, not spawnSync: the simulator answers from this process's event loop.
const child = spawn("npx", ["--no-install", "connect-backfill", "run", "node_modules/connect-backfill/examples/contacts.csv",
  "--instance-id", "demo-instance", "--endpoint", endpoint, "--region", "us-east-1", "--rate", "50",
  "--prefix", ${JSON.stringify(prefix)}, "--run-id", "packed", "--reports-dir", "reports", "--log-level", "warn"],
  { env: { ...process.env, AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "x" }, stdio: ["ignore", "ignore", "pipe"] });
let stderr = "";
child.stderr.on("data", (d) => (stderr += d));
const code = await new Promise((resolve) => child.on("exit", resolve));
const calls = sim.stats().requests;
await sim.stop();
console.log(JSON.stringify({ code, stderr, calls, rate: loadConfig({}, {}).rate, statuses: STATUSES.length }));
`,
    );
    const r = spawnSync(process.execPath, ["try.mjs"], { cwd: consumer, encoding: "utf8", env: { ...process.env, REDIS_URL }, timeout: 120_000 });
    expect(r.stderr).toBe("");
    const got = JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "{}") as { code: number; stderr: string; calls: number; rate: number; statuses: number };
    // The sample holds invalid rows and an unknown contact: exit 3, as README says.
    // No --rate in an empty configuration: the account's quota is asked for at run time (else 10/s), so none is set here.
    expect(got).toMatchObject({ code: 3 });
    expect(got.rate).toBeUndefined();
    expect(got.calls).toBeGreaterThan(0);
    expect(got.statuses).toBeGreaterThan(0);
    for (const f of ["outcomes.csv", "failures.csv", "summary.json"]) expect(existsSync(join(consumer, "reports/packed", f))).toBe(true);
    // Its keys go with it: prune --run-id removes a finished run whatever its age.
    const pruned = spawnSync("npx", ["--no-install", "connect-backfill", "prune", "--run-id", "packed", "--prefix", prefix], {
      cwd: consumer,
      encoding: "utf8",
      env: { ...process.env, REDIS_URL, LOG_LEVEL: "warn" },
    });
    expect(pruned.stderr).toBe("");
    expect(pruned.status).toBe(0);
  }, 150_000);
});
