import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cli, harness, killBackground, readReport, ROOT, until, type Harness } from "./helpers.js";

// A nightly CRM sync as a job file: mapping, change detection, webhook, history,
// schedules; the real CLI, Redis, the simulator and the SDK.

let h: Harness | undefined;
let receiver: Server | undefined;
afterEach(async () => {
  killBackground();
  await h?.close();
  h = undefined;
  await new Promise((r) => (receiver ? receiver.close(r) : r(undefined)));
  receiver = undefined;
});

/** A local webhook receiver; the first `failFirst` posts answer 503. */
async function webhook(failFirst = 0): Promise<{ url: string; got: Array<{ event: string; summary: Record<string, unknown> }> }> {
  const got: Array<{ event: string; summary: Record<string, unknown> }> = [];
  let seen = 0;
  receiver = createServer((req: IncomingMessage, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      seen++;
      if (seen <= failFirst) {
        res.writeHead(503).end();
        return;
      }
      got.push(JSON.parse(body) as { event: string; summary: Record<string, unknown> });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver?.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, got };
}

const EXPORT = [
  "Contact ID;Started;Case Owner;Email;Internal Notes",
  "c1;2026-11-01T08:00:00Z;  Ann ;ANN@Example.com;secret note",
  "c2;2026-11-01T09:00:00Z;Bo;bo@example.com;",
  "c3;2026-11-01T10:00:00Z;Cy;;",
].join("\n");

async function jobFile(h: Harness, extra: Record<string, unknown> = {}): Promise<string> {
  await writeFile(join(h.dir, "export-2026-11-21.csv"), `${EXPORT}\n`);
  const path = join(h.dir, "nightly.json");
  await writeFile(
    path,
    JSON.stringify({
      name: "nightly",
      input: "export-*.csv",
      instanceId: "inst",
      delimiter: ";",
      columns: {
        "Contact ID": "contactId",
        Started: "initiationTimestamp",
        "Case Owner": { to: "caseOwner", trim: true },
        Email: { to: "email", case: "lower" },
        "Internal Notes": null,
      },
      constants: { source: "crm" },
      onlyChanged: true,
      rate: 50,
      endpoint: h.endpoint,
      region: "us-east-1",
      reportsDir: "reports",
      ...extra,
    }),
  );
  return path;
}

describe("job files", () => {
  it("run a job: mapped columns, constants, notes dropped; night 2 unchanged; webhook and history told", async () => {
    h = await harness({ latencyMs: 1 });
    const hook = await webhook(1); // the first POST fails: the notifier tries again
    const job = await jobFile(h, { notify: hook.url });
    const first = await cli(["run", job, "--prefix", h.prefix, "--quiet"]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/export-\*\.csv matched 1 file; using export-2026-11-21\.csv/);
    expect(h.sim.attributesOf("inst", "c1")).toEqual({ caseOwner: "Ann", email: "ann@example.com", source: "crm" });
    expect(h.sim.attributesOf("inst", "c3")).toEqual({ caseOwner: "Cy", source: "crm" });
    expect(h.sim.acceptedCount()).toBe(3);

    const second = await cli(["run", job, "--prefix", h.prefix, "--quiet"]);
    expect(second.code).toBe(0);
    expect(h.sim.acceptedCount()).toBe(3);

    await until(() => hook.got.length >= 2, 10_000);
    expect(hook.got.map((g) => g.event)).toEqual(["finished", "finished"]);
    expect(hook.got[1]?.summary).toMatchObject({ rows: 3, counts: { unchanged: 3, updated: 0 } });
    expect(JSON.stringify(hook.got)).not.toContain("secret note");

    const hist = await cli(["history", "nightly", "--json", "--prefix", h.prefix]);
    const entries = JSON.parse(hist.stdout) as Array<{ runId: string; event: string; calls: number; counts: Record<string, number>; exitCode: number }>;
    expect(entries.map((e) => [e.event, e.calls, e.exitCode])).toEqual([
      ["finished", 0, 0],
      ["finished", 3, 0],
    ]);
    // A job's run ids say whose they are; its reports go where the job says (relative to the job file).
    expect(entries[0]?.runId).toMatch(/^nightly-\d{8}T\d{6}-[0-9a-f]{6}$/);
    expect((await readReport(join(h.dir, "reports", entries[0]?.runId as string, "outcomes.csv"))).map((o) => o.status)).toEqual([
      "unchanged",
      "unchanged",
      "unchanged",
    ]);
  });

  it("the command line wins over the job file; a bad job file is one sentence naming the key; failures.csv feeds back as the job", async () => {
    h = await harness({ latencyMs: 1 });
    const job = await jobFile(h, { onlyChanged: false });
    // --instance-id on the command line wins over the job's "inst".
    expect((await cli(["run", job, "--prefix", h.prefix, "--instance-id", "other", "--quiet"])).code).toBe(0);
    expect(h.sim.attributesOf("other", "c2")).toMatchObject({ caseOwner: "Bo" });
    expect(h.sim.attributesOf("inst", "c2")).toBeUndefined();

    const bad = join(h.dir, "bad.json");
    await writeFile(bad, JSON.stringify({ name: "bad", input: "x.csv", rate: "fast" }));
    const res = await cli(["run", bad, "--prefix", h.prefix]);
    expect(res.code).toBe(2);
    // The sentence, then the night's `run ended` line (a job's night that did not start is told: nightEnd.test.ts).
    expect(res.stderr.split("\n")[0]).toBe(`connect-backfill: ${bad}: "rate" must be a number above 0, got "fast".`);

    // A job run with a failed row: its failures.csv (with the export's own header) runs again as the job.
    h.sim.injectFaults("c2", ["ConflictException"]);
    const run = await cli(["run", job, "--prefix", h.prefix, "--run-id", "with-failure", "--quiet"]);
    expect(run.code).toBe(3);
    const failures = join(h.dir, "reports", "with-failure", "failures.csv");
    const again = await cli(["run", job, failures, "--prefix", h.prefix, "--run-id", "fed-back", "--quiet"]);
    expect(again.code, again.stderr).toBe(0);
    const out = await readReport(join(h.dir, "reports", "fed-back", "outcomes.csv"));
    expect(out.map((o) => [o.contactId, o.status])).toEqual([["c2", "updated"]]);
  });

  it("schedule: a work process runs the due job, skips a due time while the previous run goes on, and history records both", async () => {
    // Calls answered after 2.5 s: a run lasts longer than the 2 s between due times, so the next one finds it going.
    h = await harness({ latencyMs: 2500 });
    // Every 2 seconds (six fields: seconds first).
    const job = await jobFile(h, { schedule: "*/2 * * * * *", onlyChanged: false });
    const reg = await cli(["schedule", job, "--prefix", h.prefix]);
    expect(reg.code, reg.stderr).toBe(0);
    expect(reg.stderr).toMatch(/job nightly scheduled "\*\/2 \* \* \* \* \*" \(UTC\), next at /);
    const list = await cli(["schedule", "--list", "--json", "--prefix", h.prefix]);
    expect(JSON.parse(list.stdout)).toMatchObject([{ name: "nightly", pattern: "*/2 * * * * *", jobFile: job }]);

    const worker = spawn(
      process.execPath,
      [join(ROOT, "bin/connect-backfill.js"), "work", "--prefix", h.prefix, "--endpoint", h.endpoint, "--region", "us-east-1", "--rate", "50"],
      {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let log = "";
    worker.stdout?.on("data", (d: Buffer) => (log += d.toString()));
    worker.stderr?.on("data", (d: Buffer) => (log += d.toString()));
    try {
      await until(async () => {
        const hist = JSON.parse((await cli(["history", "nightly", "--json", "--prefix", h?.prefix ?? ""])).stdout) as Array<{ event: string }>;
        return hist.some((e) => e.event === "finished") && hist.some((e) => e.event === "skipped");
      }, 45_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}; the work process said: ${log.slice(-3000)}`);
    } finally {
      // Gone before the harness removes its folder (a scheduled run's reports are written there).
      const exited = new Promise((r) => worker.on("exit", r));
      worker.kill("SIGTERM");
      await exited;
    }
    expect(h.sim.attributesOf("inst", "c1")).toMatchObject({ caseOwner: "Ann" });
    const text = (await cli(["history", "nightly", "--prefix", h.prefix])).stdout;
    expect(text).toMatch(/skipped: job nightly: due now, but its previous run nightly-\S+ is still going; this time is skipped/);
    expect((await cli(["schedule", "--remove", "nightly", "--prefix", h.prefix])).code).toBe(0);
    expect((await cli(["schedule", "--list", "--prefix", h.prefix])).stdout).toBe("no job schedules on this Redis\n");
  });

  it("schedule: a job aimed at another endpoint than the work process is skipped with the reason, not left waiting", async () => {
    h = await harness({ latencyMs: 1 });
    const job = await jobFile(h, { schedule: "*/2 * * * * *", endpoint: "http://127.0.0.1:9" });
    expect((await cli(["schedule", job, "--prefix", h.prefix])).code).toBe(0);
    const worker = spawn(process.execPath, [join(ROOT, "bin/connect-backfill.js"), "work", "--prefix", h.prefix, "--endpoint", h.endpoint, "--region", "us-east-1"], {
      cwd: ROOT,
      stdio: "ignore",
    });
    try {
      await until(async () => {
        const hist = JSON.parse((await cli(["history", "nightly", "--json", "--prefix", h?.prefix ?? ""])).stdout) as Array<{ event: string; note?: string }>;
        return hist.some((e) => e.event === "skipped" && /this work process cannot work it \(.*127\.0\.0\.1:9/.test(e.note ?? ""));
      }, 30_000);
    } finally {
      const exited = new Promise((r) => worker.on("exit", r));
      worker.kill("SIGTERM");
      await exited;
    }
    expect(h.sim.acceptedCount()).toBe(0);
    expect(JSON.parse((await cli(["status", "--json", "--prefix", h.prefix])).stdout)).toEqual([]);
  });
});
