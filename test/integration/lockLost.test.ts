import { afterEach, describe, expect, it } from "vitest";
import { cli, harnessPerTest, killBackground, rows, startCli, until } from "./helpers.js";
import { common, outcomesOf, reportFlags } from "./underKills.js";

// A worker that stops answering for longer than --lock-duration (frozen here with SIGSTOP; a Redis outage that long
// does the same: its lock renewals fail) is alive when it goes on: its chunk was given to another worker, or settled
// by a cancel, meanwhile. What it does then must not send a row twice nor a row a cancel called "not sent".

const fresh = harnessPerTest();
afterEach(() => killBackground());

const LOCK_MS = "1000";

describe("a worker whose chunk's lock ran out while it was frozen", () => {
  it("after a cancel settled its chunk, sends none of its rows: every row the cancel called not sent stays unsent", async () => {
    const h = await fresh({ latencyMs: 20 });
    const n = 60;
    const file = await h.file("frozen.csv", rows(n, "f"));
    expect((await cli(["enqueue", file, ...common(h), "--chunk-size", String(n), "--run-id", "fz"])).code).toBe(0);
    const w = startCli(["work", "--run-id", "fz", "--prefix", h.prefix, "--endpoint", h.endpoint, "--rate", "40", "--concurrency", "8", "--lock-duration", LOCK_MS]);
    await until(() => h.sim.acceptedCount() >= 5);
    w.child.kill("SIGSTOP");
    // Frozen past its lock: the cancel finds the chunk abandoned and settles it itself.
    await new Promise((r) => setTimeout(r, 2500));
    const cancel = await cli(["cancel", "fz", ...reportFlags(h), "--quiet"]);
    expect(cancel.code, cancel.stderr).not.toBe(2);
    const atCancel = new Set(h.sim.updates().map((u) => u.contactId));
    w.child.kill("SIGCONT");
    // Long enough for the worker to take every turn it had waiting.
    await new Promise((r) => setTimeout(r, 3000));
    const after = h.sim.updates().filter((u) => !atCancel.has(u.contactId));
    const out = await outcomesOf(h, "fz");
    expect(out).toHaveLength(n);
    // Only a call counted before the freeze (its request not yet written when the process stopped) may still
    // arrive: the cancel called its row MaybeSent. No row not yet counted goes.
    const maybe = new Set(out.filter((o) => o.errorCode === "MaybeSent").map((o) => o.contactId));
    expect(
      after.filter((u) => !maybe.has(u.contactId)).map((u) => u.contactId),
      "calls that went after cancel returned",
    ).toEqual([]);
    expect(after.length).toBeLessThanOrEqual(8);
    for (const o of out) if (o.errorCode === "Cancelled") expect(atCancel.has(o.contactId), `${o.contactId} is Cancelled ("not sent") but was applied`).toBe(false);
  }, 60_000);

  it("after another worker took its chunk, stops sending it: a row is sent twice only if its call was in flight", async () => {
    const h = await fresh({ latencyMs: 20 });
    const n = 80;
    const file = await h.file("taken.csv", rows(n, "t"));
    expect((await cli(["enqueue", file, ...common(h), "--chunk-size", String(n), "--run-id", "tk"])).code).toBe(0);
    const work = ["work", "--run-id", "tk", "--prefix", h.prefix, "--endpoint", h.endpoint, "--rate", "20", "--concurrency", "2", "--lock-duration", LOCK_MS];
    const a = startCli(work);
    await until(() => h.sim.acceptedCount() >= 5);
    a.child.kill("SIGSTOP");
    // Another worker finds the chunk stalled once A's lock ran out, takes it and goes on with it.
    const b = startCli(work);
    const taken = h.sim.acceptedCount();
    await until(() => h.sim.acceptedCount() >= taken + 10, 30_000);
    a.child.kill("SIGCONT");
    await until(() => runDone(h.prefix), 60_000);
    // A goes on a moment after it was let go: time for whatever it would still send.
    await new Promise((r) => setTimeout(r, 1500));
    b.child.kill("SIGTERM");
    expect(new Set(h.sim.updates().map((u) => u.contactId)).size).toBe(n);
    const calls = new Map<string, number>();
    for (const u of h.sim.updates()) calls.set(u.contactId, (calls.get(u.contactId) ?? 0) + 1);
    const twice = [...calls].filter(([, c]) => c > 1).map(([id]) => id);
    // A had at most --concurrency calls out when frozen (and a turn or two before it heard its lock was gone).
    expect(twice.length, `sent twice: ${twice.join(", ")}`).toBeLessThanOrEqual(4);

    async function runDone(prefix: string): Promise<boolean> {
      const s = await cli(["status", "tk", "--json", "--prefix", prefix]);
      return s.stdout.includes('"state": "finished"');
    }
  }, 90_000);
});
