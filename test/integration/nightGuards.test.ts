import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cli, harness, killBackground, readReport, startCli, until, type Harness } from "./helpers.js";

// Issue 27, item 3: a nightly sync that guards itself. A job's bounds are judged over its export before anything
// is sent; a breach pauses the night (exit 4, state paused, the webhook told with the numbers) until a person decides.

let h: Harness | undefined;
let receiver: Server | undefined;
afterEach(async () => {
  killBackground();
  await h?.close();
  h = undefined;
  await new Promise((r) => (receiver ? receiver.close(r) : r(undefined)));
  receiver = undefined;
});

async function webhook(): Promise<{ url: string; got: Array<Record<string, unknown>> }> {
  const got: Array<Record<string, unknown>> = [];
  receiver = createServer((req: IncomingMessage, res) => {
    let raw = "";
    req.on("data", (d: Buffer) => (raw += d.toString()));
    req.on("end", () => {
      got.push(JSON.parse(raw) as Record<string, unknown>);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver?.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, got };
}

const HEADER = "Contact ID,Owner,Tier";
let night = 0;

/** The night's export, newer than the last (the job's `input` pattern takes the newest). */
async function exportOf(h: Harness, rows: ReadonlyArray<readonly string[]>, header = HEADER): Promise<void> {
  night++;
  const path = join(h.dir, `export-${String(night).padStart(2, "0")}.csv`);
  await writeFile(path, `${header}\n${rows.map((r) => r.join(",")).join("\n")}\n`);
  const t = new Date(Date.now() + night * 1000);
  await utimes(path, t, t);
}

async function jobFile(h: Harness, guards: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<string> {
  const path = join(h.dir, "crm.json");
  const job = {
    name: "crm",
    input: "export-*.csv",
    instanceId: "inst",
    endpoint: h.endpoint,
    region: "us-east-1",
    reportsDir: "reports",
    onlyChanged: true,
    rate: 500,
    columns: { "Contact ID": "contactId", Owner: "owner", Tier: "tier" },
    guards,
    ...extra,
  };
  await writeFile(path, JSON.stringify(job));
  return path;
}

const contacts = (n: number, owner = (i: number) => `o${i}`) => Array.from({ length: n }, (_, i) => [`c${i}`, owner(i), "gold"]);

describe("a nightly sync that guards itself", () => {
  it("a third night whose columns shifted pauses before its first call, with workers running, the deviation named; resume sends it", async () => {
    h = await harness({ latencyMs: 1 });
    const hook = await webhook();
    const job = await jobFile(h, { changedShareAbove: 0.2, rowCountDeviation: 0.5 }, { notify: hook.url });
    const run = (id: string) => cli(["run", job, "--prefix", h?.prefix ?? "", "--run-id", id, "--quiet"], { LOG_LEVEL: "warn" });

    await exportOf(h, contacts(100));
    expect((await run("n1")).code).toBe(0);
    await exportOf(
      h,
      contacts(100, (i) => (i === 7 ? "someone-else" : `o${i}`)),
    );
    expect((await run("n2")).code).toBe(0);
    expect(h.sim.acceptedCount()).toBe(101);

    // A worker process already running on this Redis, aimed at the same endpoint: it must not send a row either.
    startCli(["work", "--prefix", h.prefix, "--endpoint", h.endpoint, "--rate", "500", "--log-level", "warn"]);
    // The export's columns shifted: "Contact ID" now holds the owners, "Owner" the tier, "Tier" the contact ids.
    await exportOf(
      h,
      contacts(100).map(([c, o, t]) => [o as string, t as string, c as string]),
    );
    const paused = await run("n3");
    expect(paused.code, paused.stderr).toBe(4);
    const said =
      "night paused before its first call: 100% of rows changed (100 of 100) where the usual share is 1% (the last measured night; bound: at most 20 points above it)";
    expect(paused.stderr).toContain(`${said}; run n3 is paused`);
    expect(paused.stderr).toMatch(/"connect-backfill resume n3".*"connect-backfill cancel n3".*; 100 rows wait\.\n/);
    await new Promise((r) => setTimeout(r, 1000));
    // Nothing of night 3 reached the service, from `run`'s worker or the other one.
    expect(h.sim.acceptedCount()).toBe(101);
    const status = JSON.parse((await cli(["status", "n3", "--json", "--prefix", h.prefix])).stdout) as { state: string; counts: { pending: number } };
    expect(status).toMatchObject({ state: "paused", counts: { pending: 100 } });

    await until(() => hook.got.some((b) => b.event === "paused"), 10_000);
    const told = hook.got.find((b) => b.event === "paused") as Record<string, unknown>;
    expect(told).toMatchObject({ job: "crm", runId: "n3", verdict: "paused", exitCode: 4, reason: expect.stringContaining(said) });
    expect(told.night).toMatchObject({ rows: 100, changedShare: 1, usualChangedShare: 0.01, medianRows: 100, invalidShare: 0, breach: said });
    expect(told.text).toMatch(/^job crm: run n3 paused \(exit 4\): 100 rows .*: night paused before its first call: 100% of rows changed/);

    // A person decides: resume, and the worker already running sends the night (judged once: never paused again).
    const resumed = await cli(["resume", "n3", "--prefix", h.prefix]);
    expect(resumed.code, resumed.stderr).toBe(0);
    await until(() => h?.sim.acceptedCount() === 201, 20_000);
    const end = await cli(["report", "n3", "--follow", "--quiet", "--prefix", h.prefix, "--reports-dir", join(h.dir, "reports")]);
    expect(end.code, end.stderr).toBe(0);
    expect(h.sim.attributesOf("inst", "o5")).toEqual({ owner: "gold", tier: "c5" });
  }, 60_000);

  it("the floor and the invalid share pause an `enqueue` before anything is queued for workers; the same command after resume does not judge again", async () => {
    h = await harness({ latencyMs: 1 });
    const job = await jobFile(h, { minRows: 50, maxInvalidShare: 0.1 });
    const common = ["--prefix", h.prefix];
    // 20 rows, 6 of them without a contact id: under the floor, and 30% invalid.
    await exportOf(h, [...contacts(14), ...Array.from({ length: 6 }, (_, i) => ["", `x${i}`, "gold"])]);
    const q = await cli(["enqueue", job, ...common, "--run-id", "small"]);
    expect(q.code, q.stderr).toBe(4);
    expect(q.stderr).toContain(
      "night paused before its first call: 20 rows, fewer than the floor of 50; and 30% of rows invalid (6 of 20) (bound: at most 10%); run small is paused",
    );
    const w = await cli(["work", "--exit-when-idle", "--run-id", "small", "--endpoint", h.endpoint, ...common, "--log-level", "warn"]);
    expect(w.code).toBe(0);
    expect(h.sim.acceptedCount()).toBe(0);
    expect(JSON.parse((await cli(["status", "small", "--json", ...common])).stdout)).toMatchObject({ state: "paused" });

    expect((await cli(["resume", "small", ...common])).code).toBe(0);
    // The same command goes on with the run as it was judged: it sends, and ends as any night with invalid rows (3).
    const again = await cli(["run", job, ...common, "--run-id", "small", "--quiet"], { LOG_LEVEL: "warn" });
    expect(again.code, again.stderr).toBe(3);
    expect(h.sim.acceptedCount()).toBe(14);
    const out = await readReport(join(h.dir, "reports", "small", "outcomes.csv"));
    expect(out.filter((o) => o.status === "invalid")).toHaveLength(6);
  }, 60_000);

  it("history shows each night's row count, changed and invalid shares; a dry run prints the same figures and what a real run would do", async () => {
    h = await harness({ latencyMs: 1 });
    const job = await jobFile(h, { rowCountDeviation: 0.5, maxInvalidShare: 0.2 });
    const common = ["--prefix", h.prefix, "--quiet"];
    await exportOf(h, contacts(40));
    expect((await cli(["run", job, ...common, "--run-id", "d1"])).code).toBe(0);
    await exportOf(h, [...contacts(36, (i) => (i < 9 ? "moved" : `o${i}`)), ["", "x", "gold"], ["", "y", "gold"], ["", "z", "gold"], ["", "w", "gold"]]);
    expect((await cli(["run", job, ...common, "--run-id", "d2"])).code).toBe(3);

    const hist = JSON.parse((await cli(["history", "crm", "--json", "--prefix", h.prefix])).stdout) as Array<Record<string, unknown>>;
    expect(hist.map((e) => [e.runId, e.rows, e.changedShare, e.invalidShare])).toEqual([
      ["d2", 40, 0.25, 0.1],
      ["d1", 40, null, 0],
    ]);
    const text = (await cli(["history", "crm", "--prefix", h.prefix])).stdout;
    expect(text).toMatch(/d2 finished \(failed-rows\).*: 40 rows \(.*\), changed 25%, invalid 10%,/);
    expect(text).toMatch(/d1 finished.*: 40 rows \(updated 40\), changed not known \(new memory\), invalid 0%,/);

    // Tomorrow's export, half the usual size: the dry run says the figures and that a real run would pause.
    await exportOf(h, contacts(18));
    const dry = await cli(["run", job, "--dry-run", "--prefix", h.prefix, "--run-id", "d3"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("night: 18 rows (median of the last 2 nights: 40), changed 50% (usual 25%), invalid 0%");
    expect(dry.stdout).toContain(
      "a real run would pause: night paused before its first call: 18 rows where the last 2 nights had a median of 40 (bound: within 50%)",
    );
    expect(h.sim.acceptedCount()).toBe(49);
    // The dry run is no night of the history, and paused nothing.
    expect(JSON.parse((await cli(["history", "crm", "--json", "--prefix", h.prefix])).stdout)).toHaveLength(2);
    expect(JSON.parse((await cli(["status", "d3", "--json", "--prefix", h.prefix])).stdout).state).not.toBe("paused");
  }, 60_000);
});
