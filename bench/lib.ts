// Shared helpers for the benchmarks: child processes, memory sampling, tables.
import { hash } from "node:crypto";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Redis } from "ioredis";
import { keysFor, RUN } from "../src/store/keys.js";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
export const AWS_ENV = {
  AWS_ACCESS_KEY_ID: "AKIDBENCH",
  AWS_SECRET_ACCESS_KEY: "bench-secret",
  AWS_REGION: "us-east-1",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};
Object.assign(process.env, AWS_ENV);

/** Samples a child's peak RSS (VmHWM) from /proc until `stop`, which returns it in MB. */
export function sampleRss(pid: number | undefined): { stop: () => number } {
  let peak = 0;
  const timer = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (m) peak = Math.max(peak, Number(m[1]) / 1024);
    } catch {
      /* exited */
    }
  }, 50);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.round(peak);
    },
  };
}

/**
 * Samples a child's CPU time (user + system, from /proc/PID/stat) until `stop`, which returns the last seen
 * in seconds: within one sampling period (50 ms) of what the process used in all.
 */
export function sampleCpu(pid: number | undefined): { stop: () => number } {
  // Clock ticks per second: 100 on Linux (USER_HZ), what /proc reports in.
  const TICKS = 100;
  let last = 0;
  const read = () => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // Fields after the command name (which may hold spaces) in its parentheses: utime and stime are the 12th and 13th.
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      last = (Number(f[11]) + Number(f[12])) / TICKS;
    } catch {
      /* exited */
    }
  };
  const timer = setInterval(read, 50);
  return {
    stop: () => {
      clearInterval(timer);
      return last;
    },
  };
}

/** Runs the real CLI (ours, or `bin` of another checkout); resolves with its exit code and the peak RSS (VmHWM) seen. */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
  bin = join(ROOT, "bin/connect-backfill.js"),
): { child: ChildProcess; done: Promise<{ code: number; peakRssMb: number; stderr: string }> } {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL, ...AWS_ENV, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const rss = sampleRss(child.pid);
  const done = new Promise<{ code: number; peakRssMb: number; stderr: string }>((resolve) => {
    child.on("exit", (code) => resolve({ code: code ?? -1, peakRssMb: rss.stop(), stderr }));
  });
  return { child, done };
}

export async function redisUsedMb(redis: Redis): Promise<number> {
  const info = await redis.info("memory");
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0) / 1024 / 1024;
}

export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 5000);
    cursor = next;
    for (let i = 0; i < keys.length; i += 1000) await redis.unlink(...keys.slice(i, i + 1000));
  } while (cursor !== "0");
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function table(header: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** Replaces the section between `<!-- name -->` markers in BENCHMARKS.md (or appends it). */
export async function writeSection(name: string, body: string): Promise<void> {
  const path = join(ROOT, "BENCHMARKS.md");
  let text = "";
  try {
    text = readFileSync(path, "utf8");
  } catch {
    text = "# Benchmarks\n\nWritten by `npm run bench` (see `bench/`). Each table holds its baseline, measured in the same run.\n";
  }
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const block = `${start}\n${body.trim()}\n${end}`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  text = i !== -1 && j !== -1 ? text.slice(0, i) + block + text.slice(j + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  await writeFile(path, text);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A run's figures read from its hash itself, for a run made by any release: the previous release's manifest
 * has no version, which today's store refuses to read.
 */
export async function rawRunFigures(redis: Redis, prefix: string, runId: string): Promise<{ read: number; updated: number }> {
  const [read, updated] = await redis.hmget(keysFor(prefix).run(runId), RUN.read, `${RUN.countPrefix}updated`);
  return { read: Number(read ?? 0), updated: Number(updated ?? 0) };
}

/**
 * What a page of memory costs the first time a process touches it, in µs (a fresh process touching 64 MiB). On
 * the virtual machines these benchmarks run on it was ~10 µs (the host backs a page only when it is first
 * touched), where a bare machine takes well under 1: a run that grows to 200 MB pays ~0.5 s for it. Given with
 * timings that move with it (a process's start, an unchanged night).
 */
export function firstTouchUsPerPage(): number {
  const probe = `const n = 64 * 1024 * 1024, b = Buffer.allocUnsafe(n), t = performance.now();
for (let i = 0; i < n; i += 4096) b[i] = 1;
process.stdout.write(String(((performance.now() - t) * 1000) / (n / 4096)));`;
  const out = spawnSync(process.execPath, ["-e", probe], { encoding: "utf8" });
  return Number(Number(out.stdout).toFixed(1));
}

/**
 * The machine's speed now: ms for a fixed loop of 300k SHA-256 hashes of short text (in this process). This host's
 * speed changes by up to 3x within minutes (neighbours on the same hardware): a table's heading gives it at the
 * start and the end of its run, so figures taken minutes apart can be read together.
 */
export function hashLoopMs(): number {
  const t0 = performance.now();
  for (let i = 0; i < 300_000; i++) hash("sha256", `abc${i}`, "hex");
  return Math.round(performance.now() - t0);
}
