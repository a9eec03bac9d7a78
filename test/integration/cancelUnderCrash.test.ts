import { spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { cli, harness, killBackground, REDIS_URL, ROOT, rows, startCli, until, type Harness } from "./helpers.js";
import { appliedContacts, common, outcomesOf, reportFlags, summaryOf } from "./underKills.js";
import { join } from "node:path";

// Issue 22, defect 3: `cancel` must never call "not sent" a row whose call a dead worker had in flight (the
// service applied it), and a cancelled windowed run must say in numbers that the file was cut short.

let h: Harness | undefined;
afterEach(async () => {
  killBackground();
  await h?.close();
  h = undefined;
});

describe("cancel after a worker with calls in flight was SIGKILLed", () => {
  it("a row whose call reached the service is updated or cancelled as MaybeSent, never Cancelled with 0 attempts; unsent rows are Cancelled", async () => {
    h = await harness({ latencyMs: 50 });
    const n = 300;
    const file = await h.file("cancel.csv", rows(n, "c"));
    const q = await cli(["enqueue", file, ...common(h), "--chunk-size", "50", "--run-id", "ck"]);
    expect(q.code, q.stderr).toBe(0);
    const workArgs = ["work", "--run-id", "ck", "--prefix", h.prefix, "--endpoint", h.endpoint, "--rate", "100", "--concurrency", "8", "--lock-duration", "1500"];
    const w = startCli(workArgs);
    const sim = h.sim;
    await until(() => sim.updates().length >= 40);
    w.child.kill("SIGKILL");
    await w.exited;
    // No worker alive: the dead one's chunk is held by nobody; cancel may wait out its lock.
    const c = await cli(["cancel", "ck", ...reportFlags(h), "--wait", "4000", "--quiet"]);
    expect(c.code, c.stderr).not.toBe(2);
    const sent = appliedContacts(h);
    // Whatever a later worker does with the run, nothing more is sent.
    expect((await cli([...workArgs, "--exit-when-idle"])).code).toBe(0);
    expect(appliedContacts(h).size).toBe(sent.size);
    // A cancelled run is no success: its report says so as its own command did.
    expect((await cli(["report", "ck", ...reportFlags(h), "--quiet"])).code).toBe(1);

    const out = await outcomesOf(h, "ck");
    expect(out).toHaveLength(n);
    expect(new Set(out.map((o) => o.line)).size).toBe(n);
    const reached = out.filter((o) => sent.has(o.contactId));
    // The kill caught calls in flight: some rows reached the service without an `updated` outcome.
    const inFlight = reached.filter((o) => o.status !== "updated");
    expect(inFlight.length).toBeGreaterThan(0);
    const notSent = reached.filter((o) => o.errorCode === "Cancelled").map((o) => `line ${o.line}: ${o.status} ${o.errorCode} attempts ${o.attempts}`);
    expect(notSent, `${notSent.length} rows the service applied are reported "not sent"`).toEqual([]);
    for (const o of inFlight) expect(`${o.status}/${o.errorCode}`).toBe("cancelled/MaybeSent");
    // Rows that never reached the service are `Cancelled`; the calls of one event-loop turn are marked together
    // just before their requests go, so the kill may land between the mark and the socket writes of those calls
    // (at most --concurrency 8): those rows say MaybeSent, which is true.
    const never = out.filter((x) => !sent.has(x.contactId));
    for (const o of never) expect(["cancelled/Cancelled", "cancelled/MaybeSent"]).toContain(`${o.status}/${o.errorCode}`);
    expect(never.filter((o) => o.errorCode === "MaybeSent").length).toBeLessThanOrEqual(8);
    // The applied rows hold their values: the service has what was sent.
    for (const o of reached) expect(h.sim.attributesOf("i", o.contactId)?.v).toBe(o.contactId.slice(1));
  });
});

describe("cancel of a windowed run while its producer waits", () => {
  it("summary.json states the cut in numbers (cutShort.readLines = rows with an outcome < the file's rows), and the report says so", async () => {
    h = await harness({ latencyMs: 1 });
    const total = 5000;
    const file = await h.file("window.csv", rows(total, "w"));
    const args = ["enqueue", file, ...common(h), "--queue-window", "200", "--chunk-size", "20", "--run-id", "cut"];
    const p = spawn(process.execPath, [join(ROOT, "bin/connect-backfill.js"), ...args], { cwd: ROOT, env: { ...process.env, REDIS_URL } });
    let said = "";
    p.stderr.on("data", (d: Buffer) => (said += d.toString()));
    const exited = new Promise<number | null>((r) => p.on("exit", (code) => r(code)));
    await until(() => /waiting: \d+ rows are queued ahead of the workers/.test(said), 20_000);
    const c = await cli(["cancel", "cut", ...reportFlags(h), "--quiet"]);
    expect(c.code, c.stderr).not.toBe(2);
    expect(await exited).toBe(0);
    const r = await cli(["report", "cut", ...reportFlags(h)]);
    const summary = await summaryOf(h, "cut");
    const out = await outcomesOf(h, "cut");
    expect(out.length).toBeLessThan(total);
    expect(summary.rows).toBe(out.length);
    expect(summary.cutShort, `summary.json: ${JSON.stringify(summary)}`).toBeDefined();
    expect(summary.cutShort?.readLines).toBe(summary.rows);
    expect(summary.cutShort?.readLines).toBeLessThan(total);
    // The report and its exit code say so plainly: a run whose file was not all read is no success.
    expect.soft(`${r.stdout}\n${r.stderr}`).toMatch(/cut short/i);
    expect.soft(r.code, "report's exit code for a run cut short").not.toBe(0);
    expect(h.sim.acceptedCount()).toBe(0);
  });
});
