import type { Server } from "node:http";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { queueOfManifest } from "../../src/queue/RunQueues.js";
import { cli, csv, harness, killBackground, readReport, startCli, targetFlags, until, type Harness } from "./helpers.js";

// The producer of an only-changed job settles ahead of the queue every contact that needs no call, and queues
// only the chunks that still hold one; workers skip the rows it settled (their done bits). Here that change
// is attacked as a reviewer would: a night with 1% of contacts changed, contacts listed twice far apart,
// `work` processes (three at a time, five in all) SIGKILLed while a call of theirs is in flight, the producer
// SIGKILLed once and started again with the same command, and `run` with the same --run-id finishing the
// night. What is checked is what the simulator holds at the end, not only outcomes.csv; then the same night
// again (0 calls) and night 1's export again (exactly the changed contacts back).

let h: Harness | undefined;
afterEach(async () => {
  killBackground();
  await h?.close();
  h = undefined;
});

/** Contacts in the file; the first TWICE of them are listed again after all the others (rows far apart). */
const CONTACTS = 3000;
const TWICE = 300;
const ROWS = CONTACTS + TWICE;
/** Night 2: 1% of the contacts changed; 12 of them twice-listed contacts whose later row changed. */
const CHANGED_TWICE = [0, 7, 49, 50, 51, 99, 150, 151, 222, 260, 298, 299];
const CHANGED_ONCE = [300, 301, 455, 612, 777, 1003, 1204, 1399, 1500, 1650, 1801, 1999, 2100, 2345, 2500, 2718, 2900, 2999];
const CHANGED = new Set([...CHANGED_TWICE, ...CHANGED_ONCE]);
/**
 * Twice-listed contacts whose EARLIER row changed on night 2, but not their later one: their rows fold to the
 * same values as before (the later row wins), so they are not changed and must never be sent.
 */
const EARLIER_ONLY = new Set([3, 100, 200, 297]);
/** The simulator answers each call this long after it applied it: a SIGKILL finds calls applied but unanswered. */
const LATENCY_MS = 400;
/** Worker processes SIGKILLed on night 2 (each runs --concurrency 1: at most one call in flight): one, one, then all three. */
const WORKER_KILLS = 5;

/** A command that does not end in time is sent SIGTERM: it fails with what it said, not with the test's time-out. */
const PATIENCE = { signalAfterMs: 40_000 };

/** Resolves with the exit code, or fails after `ms`. */
function exitWithin(exited: Promise<number | null>, ms: number, what: string): Promise<number | null> {
  return Promise.race([exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not exit within ${ms} ms`)), ms).unref())]);
}

type Row = { contact: number; tier: string; owner: string };

/** The rows of a night, in file order: contacts 0..CONTACTS-1, then 0..TWICE-1 again. */
function night(changed: boolean): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < CONTACTS; i++) {
    const twice = i < TWICE;
    // A twice-listed contact's earlier row holds an older value; its later row (below) the newer one.
    let tier = twice ? "silver" : "gold";
    if (changed && twice && EARLIER_ONLY.has(i)) tier = "bronze";
    if (changed && !twice && CHANGED.has(i)) tier = "platinum";
    rows.push({ contact: i, tier, owner: `agent${i % 7}` });
  }
  for (let i = 0; i < TWICE; i++) {
    const c = changed && CHANGED.has(i);
    // Half of the changed twice-listed contacts change their tier, the other half their owner.
    const tierChange = c && CHANGED_TWICE.indexOf(i) % 2 === 0;
    rows.push({ contact: i, tier: tierChange ? "platinum" : "gold", owner: c && !tierChange ? `owner-new${i}` : `agent${i % 7}` });
  }
  return rows;
}

function fileOf(rows: readonly Row[]): string {
  return csv([["contactId", "tier", "owner"], ...rows.map((r) => [`u${r.contact}`, r.tier, r.owner])]);
}

/** What a night's rows leave on each contact: its rows folded in file order (the later line wins). */
function foldOf(rows: readonly Row[]): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const r of rows) out.set(`u${r.contact}`, { ...out.get(`u${r.contact}`), tier: r.tier, owner: r.owner });
  return out;
}

/** The file lines (header = line 1) of the contacts in `which`. */
function linesOf(rows: readonly Row[], which: ReadonlySet<number>): number[] {
  return rows.flatMap((r, i) => (which.has(r.contact) ? [i + 2] : [])).sort((a, b) => a - b);
}

/** A run's outcomes.csv, as objects keyed by its header. */
async function outcomesOf(x: Harness, runId: string): Promise<Array<Record<string, string>>> {
  return readReport(join(x.dir, "reports", runId, "outcomes.csv"));
}

function expectOneOutcomePerLine(outcomes: ReadonlyArray<Record<string, string>>): void {
  const lines = outcomes.map((o) => Number(o.line)).sort((a, b) => a - b);
  expect(lines.length).toBe(ROWS);
  expect(new Set(lines).size).toBe(ROWS);
  expect(lines[0]).toBe(2);
  expect(lines[ROWS - 1]).toBe(ROWS + 1);
}

/**
 * Which access key has a call in flight at the simulator: received at least 50 ms ago (so applied: the
 * simulator decides on arrival) and not yet answered. Watched on the simulator's own HTTP server (a
 * listener beside its handler; the field is private to the class, not to the process).
 */
function watchCalls(x: Harness): (key: string) => boolean {
  const server = (x.sim as unknown as { server?: Server }).server;
  if (!server) throw new Error("the simulator is not listening");
  const open = new Map<string, Set<{ at: number }>>();
  server.on("request", (req, res) => {
    const key = /Credential=([^/,\s]+)/.exec(req.headers.authorization ?? "")?.[1];
    if (!key) return;
    const call = { at: Date.now() };
    const mine = open.get(key) ?? new Set();
    open.set(key, mine);
    mine.add(call);
    res.on("close", () => mine.delete(call));
  });
  return (key) => [...(open.get(key) ?? [])].some((c) => Date.now() - c.at >= 50);
}

describe("an only-changed night settled ahead, its workers and its producer SIGKILLed", () => {
  it("every line one outcome, exactly the changed contacts sent (at most one re-send per worker killed), the simulator holds each contact's later row; the same night again sends nothing", async () => {
    const x = await harness({ latencyMs: 1 });
    h = x;
    const tag = x.prefix.slice(4);
    const [r1, r2, r3, r4] = ["n1", "n2", "n3", "n4"].map((n) => `sak-${n}-${tag}`) as [string, string, string, string];
    const job = [...targetFlags(x), "--job-name", `sak-${tag}`, "--only-changed", "--chunk-size", "100"];
    const reports = ["--reports-dir", join(x.dir, "reports"), "--quiet"];
    const rows1 = night(false);
    const rows2 = night(true);
    const file1 = await x.file("night1.csv", fileOf(rows1));
    const file2 = await x.file("night2.csv", fileOf(rows2));
    // The test's own premise: 1% of the contacts changed, and the decoys fold to what they were.
    const fold1 = foldOf(rows1);
    const fold2 = foldOf(rows2);
    const differing = [...fold2.keys()].filter((c) => JSON.stringify(fold1.get(c)) !== JSON.stringify(fold2.get(c)));
    expect(differing.sort()).toEqual([...CHANGED].map((i) => `u${i}`).sort());
    expect(CHANGED.size).toBe(CONTACTS / 100);

    // Night 1: everything sent, each contact in one call with its later row's values.
    const n1 = await cli(["run", file1, ...job, ...reports, "--run-id", r1, "--rate", "3000", "--concurrency", "32"], {}, PATIENCE);
    expect(n1.code, n1.stderr).toBe(0);
    expect(x.sim.acceptedCount()).toBe(CONTACTS);
    for (const [c, v] of fold1) expect(x.sim.attributesOf("i", c), c).toEqual(v);
    const base = x.sim.acceptedCount();

    // Night 2, worked by separate processes. Slow answers: a worker killed mid-call leaves its call applied
    // but unanswered, the very case that makes a contact go twice. A small queue window keeps the producer
    // going for as long as the workers are, so it can be killed mid-file.
    x.sim.setLatency(LATENCY_MS);
    const enqueue = ["enqueue", file2, ...job, "--run-id", r2, "--queue-window", "300", "--log-level", "error"];
    const work = [
      "work",
      "--run-id",
      r2,
      "--prefix",
      x.prefix,
      "--endpoint",
      x.endpoint,
      "--concurrency",
      "1",
      "--rate",
      "50",
      "--lock-duration",
      "2000",
      "--log-level",
      "error",
    ];
    // Each worker signs with its own access key: the test sees which process has a call in flight.
    const inFlight = watchCalls(x);
    let keys = 0;
    const startWorker = () => {
      const key = `AKIDWORKER${++keys}`;
      return { key, ...startCli(work, { AWS_ACCESS_KEY_ID: key }) };
    };
    let killed = 0;
    /** SIGKILLs a worker: its call in flight (if any) was applied, but neither its outcome nor the memory was written. */
    const kill = async (w: ReturnType<typeof startWorker>) => {
      w.child.kill("SIGKILL");
      await w.exited;
      killed++;
    };
    const ctx = await x.ctx();
    try {
      let producer = startCli(enqueue);
      await until(async () => (await ctx.store.manifest(r2)) !== undefined, 20_000);
      const workers = [startWorker(), startWorker(), startWorker()];
      // A report writer, as beside any `enqueue`: it moves outcomes out of Redis (past twice the window, the producer waits for it).
      const follower = startCli(["report", r2, "--follow", "--quiet", "--prefix", x.prefix, "--reports-dir", join(x.dir, "reports")]);
      /** Once `after` calls of night 2 were accepted, kills a worker with a call applied and not yet answered, and starts another. */
      const killBusy = async (after: number) => {
        let slot = -1;
        await until(() => {
          slot = workers.findIndex((w) => inFlight(w.key));
          return x.sim.acceptedCount() - base >= after && slot >= 0;
        }, 30_000);
        await kill(workers[slot] as ReturnType<typeof startWorker>);
        workers[slot] = startWorker();
      };

      await killBusy(2);
      // The producer, mid-file: chunks settled ahead and queued, most of the file still to read.
      await until(async () => ((await ctx.store.progress(r2))?.chunks ?? 0) >= 8, 30_000);
      producer.child.kill("SIGKILL");
      await producer.exited;
      expect((await ctx.store.progress(r2))?.producerDone).toBe(false);
      producer = startCli(enqueue);
      await killBusy(8);
      expect(await exitWithin(producer.exited, 30_000, "the restarted producer")).toBe(0);
      expect((await ctx.store.progress(r2))?.producerDone).toBe(true);
      // The last chunks (the twice-listed contacts, 2 or 3 calls each) are still being sent: every worker is
      // SIGKILLed, the first of them with a call in flight, and `run` finishes the night.
      await until(() => workers.some((w) => inFlight(w.key)), 30_000);
      for (const w of [...workers].sort((a, b) => Number(inFlight(b.key)) - Number(inFlight(a.key)))) await kill(w);
      expect((await ctx.store.progress(r2))?.complete).toBe(false);
      follower.child.kill("SIGKILL");
      await follower.exited;
    } finally {
      await ctx.close();
    }
    expect(killed).toBe(WORKER_KILLS);
    // The same command as a user would finish with: it works what is left (chunks of killed workers once their
    // lock expires) and writes the report.
    const n2 = await cli(["run", file2, ...job, ...reports, "--run-id", r2, "--queue-window", "300", "--rate", "50", "--lock-duration", "2000"], {}, PATIENCE);
    expect(n2.code, n2.stderr).toBe(0);
    killBackground();

    const out2 = await outcomesOf(x, r2);
    expectOneOutcomePerLine(out2);
    const updated = out2.filter((o) => o.status === "updated").map((o) => Number(o.line));
    expect(updated.sort((a, b) => a - b)).toEqual(linesOf(rows2, CHANGED));
    expect(out2.filter((o) => o.status === "unchanged")).toHaveLength(ROWS - updated.length);
    for (const l of linesOf(rows2, EARLIER_ONLY)) expect(out2.find((o) => Number(o.line) === l)?.status, `line ${l}`).toBe("unchanged");

    // The simulator: every contact holds its rows folded in file order (a twice-listed one its later row's
    // values, a changed one its new value); the decoys and the unchanged were never touched on night 2.
    for (const [c, v] of fold2) expect(x.sim.attributesOf("i", c), c).toEqual(v);
    for (const i of CHANGED_TWICE) expect(x.sim.attributesOf("i", `u${i}`)).toEqual(fold2.get(`u${i}`));
    const sent2 = x.sim.updates(base);
    expect(new Set(sent2.map((u) => u.contactId))).toEqual(new Set([...CHANGED].map((i) => `u${i}`)));
    // Each call carried its contact's fold: an earlier row's older value ("silver", "bronze") was never written.
    for (const u of sent2) expect(u.attributes, u.contactId).toEqual(fold2.get(u.contactId));
    // The bound: each changed contact once, plus at most one re-send per worker killed. Why one: a worker runs
    // --concurrency 1, so a SIGKILL finds at most one call of it in flight; that call was applied (the simulator
    // decides on arrival) but neither its outcome nor the job's memory was written, so the worker that takes
    // the chunk over sends it again. The producer sends nothing, so killing it adds no call.
    const accepted2 = x.sim.acceptedCount() - base;
    expect(accepted2).toBeGreaterThanOrEqual(CHANGED.size);
    expect(accepted2).toBeLessThanOrEqual(CHANGED.size + killed);
    const perContact = new Map<string, number>();
    for (const u of sent2) perContact.set(u.contactId, (perContact.get(u.contactId) ?? 0) + 1);
    console.log(
      `night 2: ${accepted2} calls for ${CHANGED.size} changed contacts (${[...perContact.values()].filter((n) => n > 1).length} sent twice), ${killed} workers and the producer SIGKILLed`,
    );

    // Night 3, the same export again (nothing changed since night 2): the producer alone settles every row,
    // queues nothing, and no call goes.
    x.sim.setLatency(1);
    const file3 = await x.file("night3.csv", fileOf(rows2));
    const e3 = await cli(["enqueue", file3, ...job, "--run-id", r3, "--log-level", "error"], {}, PATIENCE);
    expect(e3.code, e3.stderr).toBe(0);
    const ctx3 = await x.ctx();
    try {
      expect((await ctx3.store.progress(r3))?.complete).toBe(true);
      const manifest = await ctx3.store.manifest(r3);
      if (!manifest) throw new Error(`run ${r3} not found`);
      const counts = await ctx3.queues.named(queueOfManifest(manifest)).getJobCounts("waiting", "active", "delayed", "prioritized");
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(0);
    } finally {
      await ctx3.close();
    }
    const rep3 = await cli(["report", r3, "--prefix", x.prefix, "--reports-dir", join(x.dir, "reports")], {}, PATIENCE);
    expect(rep3.code, rep3.stderr).toBe(0);
    const out3 = await outcomesOf(x, r3);
    expectOneOutcomePerLine(out3);
    expect(out3.filter((o) => o.status !== "unchanged")).toEqual([]);
    expect(x.sim.acceptedCount() - base).toBe(accepted2);

    // Night 4, night 1's export again: exactly the contacts night 2 changed go back, each in one call with its
    // later row's values (the decoys fold to the same values either way: not sent).
    const before4 = x.sim.acceptedCount();
    const n4 = await cli(["run", await x.file("night4.csv", fileOf(rows1)), ...job, ...reports, "--run-id", r4, "--rate", "3000"], {}, PATIENCE);
    expect(n4.code, n4.stderr).toBe(0);
    const sent4 = x.sim.updates(before4);
    expect(sent4.map((u) => u.contactId).sort()).toEqual([...CHANGED].map((i) => `u${i}`).sort());
    for (const u of sent4) expect(u.attributes, u.contactId).toEqual(fold1.get(u.contactId));
    for (const [c, v] of fold1) expect(x.sim.attributesOf("i", c), c).toEqual(v);
    const out4 = await outcomesOf(x, r4);
    expectOneOutcomePerLine(out4);
    expect(
      out4
        .filter((o) => o.status === "updated")
        .map((o) => Number(o.line))
        .sort((a, b) => a - b),
    ).toEqual(linesOf(rows1, CHANGED));
  }, 120_000);
});
