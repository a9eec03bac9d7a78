import { spawn, spawnSync } from "node:child_process";
import { request } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppContext } from "../../src/app/context.js";
import { runStatus } from "../../src/app/status.js";
import { startDashboard, type Dashboard } from "../../src/dashboard/dashboardServer.js";
import { cli, csv, harness, killBackground, startCli, until, type Harness } from "./helpers.js";

const CHROMIUM = ["chromium", "chromium-browser", "google-chrome"].find((c) => spawnSync("sh", ["-c", `command -v ${c}`]).status === 0);

const SECRET = "SECRET-ATTRIBUTE-VALUE-8841";
const ROWS = 150;

let h: Harness;
let ctx: AppContext;
let board: Dashboard;
const opened: Dashboard[] = [];

function common(x: Harness): string[] {
  return ["--prefix", x.prefix, "--endpoint", x.endpoint];
}

/** A request exactly as written: fetch would resolve `..` segments before sending them. */
function raw(url: string, path: string, method = "GET", headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method, headers }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

interface Listed {
  statuses: Array<{ runId: string; state: string; total: number | null; counts: Record<string, number> }>;
  dangling: string[];
}

const doneOf = (counts: Record<string, number>) => Object.entries(counts).reduce((n, [k, v]) => (k === "pending" ? n : n + v), 0);

async function doneNow(): Promise<number> {
  const list = await getJson<Listed>(`${board.url}/api/runs`);
  const run = list.statuses.find((s) => s.runId === "dash");
  return run ? doneOf(run.counts) : -1;
}

/** Chromium's DOM after the page's scripts ran; asynchronous, since the dashboard answering it lives in this process. */
function dumpDom(url: string): Promise<{ status: number | null; dom: string }> {
  const flags = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=5000",
    `--user-data-dir=${join(h.dir, "chrome")}`,
  ];
  return new Promise((resolve) => {
    const child = spawn(CHROMIUM as string, [...flags, "--dump-dom", url], { stdio: ["ignore", "pipe", "ignore"] });
    let dom = "";
    child.stdout.on("data", (d: Buffer) => (dom += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("exit", (status) => {
      clearTimeout(timer);
      resolve({ status, dom });
    });
  });
}

beforeAll(async () => {
  h = await harness();
  const lines = [["contactId", "ssn"]];
  for (let i = 0; i < ROWS; i++) lines.push([`d${i}`, `${SECRET}-${i}`]);
  const file = await h.file("dash.csv", csv(lines));
  const enq = await cli(["enqueue", file, "--instance-id", "i", "--run-id", "dash", "--chunk-size", "10", "--log-level", "warn", ...common(h)]);
  expect(enq.code).toBe(0);
  ctx = await h.ctx();
  board = await startDashboard(ctx, { port: 0, refreshMs: 200 });
  opened.push(board);
  // Slow on purpose: the run is still going while the dashboard is looked at.
  startCli(["work", "--rate", "5", "--concurrency", "2", "--log-level", "warn", ...common(h)]);
  await until(async () => (await doneNow()) > 0);
});

afterAll(async () => {
  killBackground();
  for (const d of opened) await d.close();
  await h?.close();
});

describe("dashboard", () => {
  it("prints where it is and stays on this machine by default", () => {
    expect(board.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(board.warnings).toEqual([]);
  });

  it("/api/runs: the run is running and its done count moves", async () => {
    const list = await getJson<Listed>(`${board.url}/api/runs`);
    const run = list.statuses.find((s) => s.runId === "dash");
    expect(run?.state).toBe("running");
    expect(run?.total).toBe(ROWS);
    const first = doneOf(run?.counts ?? {});
    await until(async () => (await doneNow()) > first, 15_000);
    const one = await getJson<{ runId: string; state: string; reportWritten: boolean }>(`${board.url}/api/runs/dash`);
    expect(one).toMatchObject({ runId: "dash", state: "running", reportWritten: false });
    expect(JSON.stringify(list)).not.toContain(SECRET);
  });

  it.runIf(CHROMIUM !== undefined)("/ in Chromium: the run with its progress, live", async () => {
    const pick = (dom: string) => {
      expect(dom).toContain('data-run="dash"');
      const m = /data-field="progress"[^>]*data-done="(\d+)"[^>]*>(\d+) \/ (\d+)/.exec(dom);
      expect(m, dom.slice(0, 2000)).not.toBeNull();
      expect(m?.[2]).toBe(m?.[1]);
      expect(m?.[3]).toBe(String(ROWS));
      return Number(m?.[1]);
    };
    const a = await dumpDom(`${board.url}/`);
    expect(a.status).toBe(0);
    const before = pick(a.dom);
    expect(a.dom).toMatch(/data-field="state"[^>]*>running</);
    await until(async () => (await doneNow()) > before + 2, 20_000);
    const b = await dumpDom(`${board.url}/`);
    expect(pick(b.dom)).toBeGreaterThan(before);
    // The run's page, too: its counts per status and no actions on a read-only dashboard.
    const page = await dumpDom(`${board.url}/runs/dash`);
    expect(page.dom).toContain('<span id="run-id">dash</span>');
    expect(page.dom).toMatch(/data-status="updated">\d+</);
    expect(page.dom).not.toContain('id="cancel"');
  });

  it("/queues: bull-board, without a row's values", async () => {
    const html = await fetch(`${board.url}/queues`);
    expect(html.status).toBe(200);
    const text = await html.text();
    expect(text).toMatch(/<div id="root">/);
    const q = encodeURIComponent("chunks.dash");
    const api = await getJson<{ queues: Array<{ name: string; readOnlyMode: boolean; jobs: Array<{ data: unknown }> }> }>(
      `${board.url}/queues/api/queues?activeQueue=${q}&status=waiting&page=1&jobsPerPage=50`,
    );
    const queue = api.queues.find((x) => x.name === "chunks.dash");
    expect(queue?.readOnlyMode).toBe(true);
    expect(api.queues.map((x) => x.name)).toContain("schedules");
    expect(queue?.jobs.length).toBeGreaterThan(0);
    expect(queue?.jobs[0]?.data).toMatchObject({ runId: "dash", rows: 10 });
    const job = await getJson<unknown>(`${board.url}/queues/api/queues/${q}/dash.c14`);
    for (const body of [JSON.stringify(api), JSON.stringify(job)]) {
      expect(body).not.toContain(SECRET);
      expect(body).not.toContain('"d14"'); // nor the contact ids
    }
    // Read-only: bull-board refuses to change the queue; adding rows is refused even with actions allowed.
    expect((await fetch(`${board.url}/queues/api/queues/${q}/pause`, { method: "PUT" })).status).toBe(405);
    expect((await fetch(`${board.url}/queues/api/queues/${q}/add`, { method: "POST" })).status).toBe(403);
  });

  it("refuses paths outside the routes: dot segments and bad run ids are 400, no file outside the reports folder", async () => {
    for (const path of [
      "/runs/../etc/passwd",
      "/runs/..%2F..%2Fetc%2Fpasswd/report.html",
      "/runs/%2e%2e/report.html",
      "/runs/../../../../etc/passwd/report.html",
      "/api/runs/..",
      "/runs/..",
    ]) {
      const res = await raw(board.url, path);
      expect(res.status, path).toBe(400);
      expect(res.body).not.toContain("root:");
    }
    expect((await raw(board.url, "/runs/a%20b/report.html")).status).toBe(400);
    expect((await raw(board.url, "/api/runs/no-such-run")).status).toBe(404);
    expect((await raw(board.url, "/runs/dash/report.html")).status).toBe(404); // not written yet
    expect((await raw(board.url, "/runs/dash/summary.json")).status).toBe(404);
  });

  it("actions: refused read-only and without the header; cancel with both stops the run", async () => {
    const ro = await raw(board.url, "/api/runs/dash/cancel", "POST", { "x-connect-backfill": "1" });
    expect(ro.status).toBe(403);
    expect(JSON.parse(ro.body).error).toMatch(/--allow-actions/);
    expect((await raw(board.url, "/api/runs/dash/resume", "POST", { "x-connect-backfill": "1" })).status).toBe(403);
    expect((await runStatus(ctx, "dash")).state).toBe("running");

    const rw = await startDashboard(ctx, { port: 0, allowActions: true, cancelWaitMs: 10_000 });
    opened.push(rw);
    const noHeader = await raw(rw.url, "/api/runs/dash/cancel", "POST");
    expect(noHeader.status).toBe(403);
    expect(JSON.parse(noHeader.body).error).toMatch(/x-connect-backfill/);
    const crossSite = await raw(rw.url, "/api/runs/dash/cancel", "POST", { "x-connect-backfill": "1", origin: "https://elsewhere.example" });
    expect(crossSite.status).toBe(403);
    // DNS rebinding: another site's name resolved to 127.0.0.1, sent as both Host and Origin.
    const port = new URL(rw.url).port;
    const rebound = await raw(rw.url, "/api/runs/dash/cancel", "POST", {
      "x-connect-backfill": "1",
      host: `evil.example:${port}`,
      origin: `http://evil.example:${port}`,
    });
    expect(rebound.status).toBe(403);
    expect((await raw(rw.url, "/api/runs", "GET", { host: `evil.example:${port}` })).status).toBe(403);
    // Chunks are never deleted from bull-board, even with actions allowed: their rows would never get an outcome.
    for (const path of ["/queues/api/queues/chunks.dash/empty", "/queues/api/queues/chunks.dash/clean/waiting", "/queues/api/queues/chunks.dash/obliterate"]) {
      expect((await raw(rw.url, path, "PUT", { "x-connect-backfill": "1" })).status, path).toBe(403);
    }
    expect((await runStatus(ctx, "dash")).state).toBe("running");

    if (CHROMIUM !== undefined) {
      const page = await dumpDom(`${rw.url}/runs/dash`);
      expect(page.dom).toContain('id="cancel"');
    }
    const done = await raw(rw.url, "/api/runs/dash/cancel", "POST", { "x-connect-backfill": "1" });
    expect(done.status, done.body).toBe(200);
    expect(JSON.parse(done.body)).toMatchObject({ runId: "dash", alreadyFinished: false });
    expect((await runStatus(ctx, "dash")).state).toBe("cancelled");
    await new Promise((r) => setTimeout(r, 500)); // calls in flight may end
    const calls = h.sim.stats().requests;
    await new Promise((r) => setTimeout(r, 2_000));
    expect(h.sim.stats().requests).toBe(calls);
    expect(calls).toBeLessThan(ROWS);

    // The report the cancel wrote is linked and served.
    const one = await getJson<{ state: string; reportWritten: boolean }>(`${rw.url}/api/runs/dash`);
    expect(one).toMatchObject({ state: "cancelled", reportWritten: true });
    const report = await fetch(`${rw.url}/runs/dash/report.html`);
    expect(report.status).toBe(200);
    expect(report.headers.get("content-type")).toMatch(/text\/html/);
    expect(await report.text()).toContain("dash");
    const again = await raw(rw.url, "/api/runs/dash/resume", "POST", { "x-connect-backfill": "1" });
    expect(again.status).toBe(409);
  });

  it("warns when it listens beyond this machine", async () => {
    const open = await startDashboard(ctx, { port: 0, host: "0.0.0.0" });
    opened.push(open);
    expect(open.warnings.join("\n")).toMatch(/no authentication.*proxy/);
  });
});

describe("connect-backfill dashboard (the command)", () => {
  it("listens where it says, and stops on SIGTERM", async () => {
    const { spawn } = await import("node:child_process");
    const { join } = await import("node:path");
    const { ROOT } = await import("./helpers.js");
    const { freePort } = await import("./privateRedis.js");
    const port = await freePort();
    const prefix = `cb-dash-cli-${Date.now()}`;
    const child = spawn(process.execPath, [join(ROOT, "bin/connect-backfill.js"), "dashboard", "--port", String(port), "--prefix", prefix], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("dashboard on")) resolve();
      });
      child.on("exit", (code) => reject(new Error(`dashboard exited ${code}`)));
    });
    expect(out).toContain(`dashboard on http://127.0.0.1:${port} (bull-board at /queues)`);
    expect((await fetch(`http://127.0.0.1:${port}/api/runs`)).status).toBe(200);
    const exited = new Promise<number | null>((r) => child.on("exit", r));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    const { deletePrefix } = await import("./helpers.js");
    await deletePrefix(prefix);
  });
});
