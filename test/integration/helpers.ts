import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll } from "vitest";
import { loadConfig, type ConfigFlags } from "../../src/config/loadConfig.js";
import { openContext, type AppContext } from "../../src/app/context.js";
import { openSource } from "../../src/input/openSource.js";
import { createLogger } from "../../src/log/createLogger.js";
import { ConnectSimulator, type ConnectSimulatorOptions } from "../../src/simulator/index.js";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** A fresh key prefix per test: tests never see each other's queues. */
export function uniquePrefix(): string {
  return `cbt-${randomBytes(4).toString("hex")}`;
}

export async function deletePrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== "0");
  await redis.quit();
}

/**
 * For a describe block that talks to Redis: a connection (made before its tests) and a key prefix of its own,
 * whose keys are deleted after them.
 */
export function redisPerDescribe(): { readonly prefix: string; redis: Redis } {
  const db = { prefix: uniquePrefix(), redis: undefined as unknown as Redis };
  beforeAll(() => {
    db.redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await deletePrefix(db.prefix);
    db.redis.disconnect();
  });
  return db;
}

export interface Harness {
  readonly prefix: string;
  readonly dir: string;
  readonly sim: ConnectSimulator;
  readonly endpoint: string;
  ctx(flags?: ConfigFlags): Promise<AppContext>;
  file(name: string, content: string | Buffer): Promise<string>;
  close(): Promise<void>;
}

/** Simulator + temp dir + private Redis prefix; `close` removes all of it. */
export async function harness(simOptions: ConnectSimulatorOptions = {}): Promise<Harness> {
  const prefix = uniquePrefix();
  const dir = await mkdtemp(join(tmpdir(), "cb-test-"));
  const sim = new ConnectSimulator({ autoCreate: true, ...simOptions });
  const { endpoint } = await sim.start();
  const opened: AppContext[] = [];
  return {
    prefix,
    dir,
    sim,
    endpoint,
    async ctx(flags = {}) {
      const config = loadConfig({ prefix, endpoint, "reports-dir": join(dir, "reports"), "redis-url": REDIS_URL, ...flags });
      const c = await openContext(config, "long-lived", createLogger("silent"));
      opened.push(c);
      return c;
    },
    async file(name, content) {
      const p = join(dir, name);
      await writeFile(p, content);
      return p;
    },
    async close() {
      for (const c of opened) await c.close();
      await sim.stop();
      await deletePrefix(prefix);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A harness per test, closed after it whatever the test did: `const fresh = harnessPerTest();` at the top of a
 * file, then `const h = await fresh({ latencyMs: 1 });` in each test.
 */
export function harnessPerTest(): (simOptions?: ConnectSimulatorOptions) => Promise<Harness> {
  const open: Harness[] = [];
  afterEach(async () => {
    for (const x of open.splice(0)) await x.close();
  });
  return async (simOptions) => {
    const x = await harness(simOptions);
    open.push(x);
    return x;
  };
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real command line, as a user would. */
export function cli(
  args: readonly string[],
  env: Record<string, string> = {},
  opts: { signalAfterMs?: number; signalWhen?: () => boolean } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, "bin/connect-backfill.js"), ...args], {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    if (opts.signalAfterMs) setTimeout(() => child.kill("SIGTERM"), opts.signalAfterMs);
    // On an event rather than a time: a loaded machine starts the process late.
    if (opts.signalWhen) {
      const poll = setInterval(() => {
        if (opts.signalWhen?.()) {
          clearInterval(poll);
          child.kill("SIGTERM");
        }
      }, 50);
      child.on("exit", () => clearInterval(poll));
    }
    child.on("exit", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** The flags that aim a command at a harness: its instance, Redis prefix and simulator. */
export function targetFlags(x: Pick<Harness, "prefix" | "endpoint">): string[] {
  return ["--instance-id", "i", "--prefix", x.prefix, "--endpoint", x.endpoint];
}

export function csv(rows: ReadonlyArray<ReadonlyArray<string>>): string {
  return rows.map((r) => r.join(",")).join("\n") + "\n";
}

/** A CSV of `n` rows: contacts `${prefix}0`… each setting `v` to its index. */
export function rows(n: number, prefix: string): string {
  const lines = [["contactId", "v"]];
  for (let i = 0; i < n; i++) lines.push([`${prefix}${i}`, String(i)]);
  return csv(lines);
}

const background: ChildProcess[] = [];

/** Starts the real CLI in the background (to run several workers, or to kill one). `killBackground` ends them all. */
export function startCli(args: readonly string[], env: Record<string, string> = {}): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [join(ROOT, "bin/connect-backfill.js"), ...args], {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL, ...env },
    stdio: "ignore",
  });
  background.push(child);
  return { child, exited: new Promise((r) => child.on("exit", (code) => r(code))) };
}

export function killBackground(): void {
  for (const c of background.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
}

/** Polls a condition (an event we cannot subscribe to across processes), failing after `timeoutMs`. */
export async function until(what: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await what())) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** outcomes.csv (or any report CSV) as objects keyed by its header. */
export async function readReport(path: string): Promise<Array<Record<string, string>>> {
  const src = await openSource(path, "csv");
  const header = src.shape.format === "csv" ? src.shape.header : [];
  const rows: Array<Record<string, string>> = [];
  for await (const r of src.records) {
    if (r.kind !== "fields") throw new Error(`bad report row at ${r.line}`);
    rows.push(Object.fromEntries(header.map((k, i) => [k, r.fields[i] ?? ""])));
  }
  return rows;
}
