import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cli, csv, harness, killBackground, rows, ROOT, startCli, targetFlags, until, type Harness } from "./helpers.js";
import { freePort } from "./privateRedis.js";

// Prometheus metrics of a real `work` process, scraped over HTTP and parsed as the text format.

let h: Harness | undefined;
afterEach(async () => {
  killBackground();
  await h?.close();
  h = undefined;
});

type Sample = { name: string; labels: Record<string, string>; value: number };

/** The Prometheus text exposition format, strictly: every line a comment or `name{labels} value` (NaN in any case, as Prometheus reads it). */
function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/i.exec(line);
    if (!m) throw new Error(`not Prometheus text: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] as string] = l[2] as string;
    out.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}

const sum = (s: Sample[], name: string, where: Record<string, string> = {}) =>
  s.filter((x) => x.name === name && Object.entries(where).every(([k, v]) => x.labels[k] === v)).reduce((a, x) => a + x.value, 0);

describe("--metrics-port", () => {
  it("work serves rows, calls by result, call durations, the governor's rate and the queue's rows", async () => {
    h = await harness({ latencyMs: 5 });
    const file = await h.file("m.csv", rows(120, "m"));
    const common = ["--prefix", h.prefix, "--endpoint", h.endpoint];
    expect((await cli(["enqueue", file, "--instance-id", "i", "--run-id", "met", "--chunk-size", "20", ...common])).code).toBe(0);
    h.sim.injectFaults("m3", [429]); // one throttle
    h.sim.injectFaults("m4", ["ConflictException"]); // one permanent failure
    const port = await freePort();
    const w = spawn(
      process.execPath,
      [join(ROOT, "bin/connect-backfill.js"), "work", "--rate", "40", "--concurrency", "4", "--metrics-port", String(port), ...common],
      {
        cwd: ROOT,
        stdio: "ignore",
      },
    );
    try {
      const scrape = async () => {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined);
        return res?.ok ? parse(await res.text()) : [];
      };
      await until(async () => sum(await scrape(), "connect_backfill_rows_total", { run: "met" }) >= 30, 30_000);
      const mid = await scrape();
      const done = sum(mid, "connect_backfill_queue_rows", { run: "met", state: "done" });
      expect(done).toBeGreaterThanOrEqual(30);
      expect(
        sum(mid, "connect_backfill_queue_rows", { run: "met", state: "waiting" }) + sum(mid, "connect_backfill_queue_rows", { run: "met", state: "active" }),
      ).toBe(120 - done);
      expect(sum(mid, "connect_backfill_governor_rate", { operation: "UpdateContactAttributes" })).toBeGreaterThan(0);
      await until(async () => sum(await scrape(), "connect_backfill_rows_total", { run: "met" }) === 120, 30_000);
      const end = await scrape();
      expect(sum(end, "connect_backfill_rows_total", { run: "met", status: "updated" }), "rows updated").toBe(119);
      expect(sum(end, "connect_backfill_rows_total", { run: "met", status: "failed" })).toBe(1);
      expect(
        sum(end, "connect_backfill_api_calls_total", { operation: "UpdateContactAttributes", result: "ok" }),
        `ok calls in ${JSON.stringify(end.filter((x) => x.name === "connect_backfill_api_calls_total"))}`,
      ).toBe(119);
      expect(sum(end, "connect_backfill_api_calls_total", { result: "throttled" })).toBe(1);
      expect(sum(end, "connect_backfill_api_calls_total", { result: "permanent" })).toBe(1);
      expect(sum(end, "connect_backfill_api_call_duration_seconds_count", { operation: "UpdateContactAttributes" })).toBe(121);
      expect(end.some((x) => x.name === "connect_backfill_api_call_duration_seconds_bucket" && x.labels.le === "+Inf")).toBe(true);
      expect(end.some((x) => x.name === "connect_backfill_process_resident_memory_bytes")).toBe(true);
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
      // The shipped Grafana dashboard queries only series this process serves.
      const dashboard = await readFile(join(ROOT, "examples", "grafana-dashboard.json"), "utf8");
      const wanted = new Set(dashboard.match(/connect_backfill_[a-z_]+/g));
      const served = new Set(end.map((x) => x.name));
      expect([...wanted].filter((n) => !served.has(n))).toEqual([]);
      // And compose scrapes the workers on the port they serve (given as the flag or as its environment variable).
      expect(await readFile(join(ROOT, "docker-compose.yml"), "utf8")).toMatch(/"--metrics-port", "9464"|CONNECT_BACKFILL_METRICS_PORT: "9464"/);
      expect(await readFile(join(ROOT, "examples", "prometheus.yml"), "utf8")).toMatch(/port: 9464/);
    } finally {
      const exited = new Promise((r) => w.on("exit", r));
      w.kill("SIGTERM");
      await exited;
    }
  });
});

describe("--metrics-port on run: rows its producer settles count as this process's", () => {
  it("an only-changed night: the unchanged rows the producer settled are in rows_total while the changed one is still being sent", async () => {
    h = await harness({ latencyMs: 1 });
    const args = [...targetFlags(h), "--job-name", "metered", "--only-changed", "--reports-dir", join(h.dir, "reports"), "--rate", "200", "--quiet"];
    const lines = (changed: boolean) => {
      const out = [["contactId", "tier"]];
      for (let i = 0; i < 100; i++) out.push([`q${i}`, changed && i === 42 ? "platinum" : "gold"]);
      return csv(out);
    };
    expect((await cli(["run", await h.file("n1.csv", lines(false)), ...args, "--run-id", "mq1"])).code).toBe(0);
    // The one changed row's call takes 4 s: the run is alive, and scraped, while the other 99 are settled.
    h.sim.setLatency(4_000);
    const port = await freePort();
    const run = startCli(["run", await h.file("n2.csv", lines(true)), ...args, "--run-id", "mq2", "--metrics-port", String(port)]);
    const scrape = async () => {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined);
      return res?.ok ? parse(await res.text()) : [];
    };
    await until(async () => sum(await scrape(), "connect_backfill_rows_total", { run: "mq2", status: "unchanged" }) === 99, 20_000);
    expect(await run.exited).toBe(0);
    expect(h.sim.acceptedCount()).toBe(101);
  }, 60_000);
});

describe("work's log lines a person can follow", () => {
  it("one line per chunk, a line when the governor's rate moves by more than 20%, the breaker's decision; never a value", async () => {
    h = await harness({ latencyMs: 2, rate: 15, burst: 15 });
    const secret = "v4lue-never-logged";
    const lines = [["contactId", "v"]];
    for (let i = 0; i < 80; i++) lines.push([`g${i}`, `${secret}-${i}`]);
    const file = await h.file("g.csv", `${lines.map((l) => l.join(",")).join("\n")}\n`);
    const common = ["--prefix", h.prefix, "--endpoint", h.endpoint];
    expect((await cli(["enqueue", file, "--instance-id", "i", "--run-id", "logs", "--chunk-size", "20", ...common])).code).toBe(0);
    // A second run whose every call fails: the breaker stops it.
    const bad = await h.file("b.csv", rows(40, "bad"));
    expect(
      (await cli(["enqueue", bad, "--instance-id", "i", "--run-id", "doomed", "--chunk-size", "20", "--breaker-window", "10", "--breaker-ratio", "0.5", ...common]))
        .code,
    ).toBe(0);
    for (let i = 0; i < 40; i++) h.sim.injectFaults(`bad${i}`, ["ConflictException"]);
    const w = spawn(process.execPath, [join(ROOT, "bin/connect-backfill.js"), "work", "--rate", "80", "--concurrency", "8", "--log-level", "info", ...common], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let log = "";
    w.stderr?.on("data", (d: Buffer) => (log += d.toString()));
    w.stdout?.on("data", (d: Buffer) => (log += d.toString()));
    try {
      await until(() => (log.match(/"chunk finished"/g) ?? []).length >= 4 && log.includes("run doomed stopped: circuit breaker"), 40_000);
    } finally {
      const exited = new Promise((r) => w.on("exit", r));
      w.kill("SIGTERM");
      await exited;
    }
    const records = log
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const chunks = records.filter((r) => r.msg === "chunk finished" && r.runId === "logs");
    expect(chunks).toHaveLength(4);
    expect(chunks[0]).toMatchObject({ rows: 20, counts: { updated: 20 } });
    expect(typeof chunks[0]?.ms).toBe("number");
    // Told 80/s against a 15/s quota: throttles bring the rate down by far more than 20%.
    expect(
      records.some(
        (r) => typeof r.msg === "string" && /^governor rate [\d.]+ → [\d.]+ req\/s \(UpdateContactAttributes\)$/.test(r.msg) && (r.to as number) < (r.from as number),
      ),
    ).toBe(true);
    expect(records.find((r) => typeof r.msg === "string" && r.msg.startsWith("run doomed stopped: circuit breaker:"))).toMatchObject({ level: 50, runId: "doomed" });
    expect(log).not.toContain(secret);
  });
});
