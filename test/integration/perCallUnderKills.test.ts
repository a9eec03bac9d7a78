import { join } from "node:path";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { keysFor, RUN } from "../../src/store/keys.js";
import type { ConnectSimulator } from "../../src/simulator/index.js";
import { cli, csv, harness, killBackground, REDIS_URL, startCli, until, type Harness } from "./helpers.js";
import { hasRedisServer } from "./privateRedis.js";
import { outcomesOf, privateRedis, reportFlags, stopPrivateRedis, summaryOf } from "./underKills.js";

// Each call's stop travels beside the SDK's cached middleware (lib/sendCommand), and each call waits for its
// count, which the calls of one event-loop turn share in one script (store/SentCalls). Attacked here with three `work`
// processes at high concurrency SIGKILLed while the simulator holds their calls, two instances whose contacts
// share ids (a call given another call's input, signal or endpoint would land on the wrong contact), reads and
// writes through one client (--capture-before, --lookup-start-time), and both operations. What is checked is
// what the simulator received and holds: every call that reached it is counted in the run, every contact holds
// its own row's values, and a cancel never calls a row the service applied "not sent".

let h: Harness | undefined;
afterEach(async () => {
  killBackground();
  stopPrivateRedis();
  await h?.close();
  h = undefined;
});

const INSTANCES = ["i1", "i2"] as const;
/** Contacts per instance; the same ids in both. */
const N = 250;
const WORKERS = 3;
const WORK = ["--rate", "500", "--concurrency", "24", "--lock-duration", "1500"];

/** Every Connect request the simulator has received (any operation, whatever it answered). */
function connectCalls(sim: ConnectSimulator): number {
  return Object.values(sim.stats().byOperation).reduce((n, s) => n + s.ok + s.throttled + s.errors, 0);
}

/** The run's own count of calls sent (its hash in Redis), as cancel and report read it. */
async function runRequests(x: Harness, runId: string, url = REDIS_URL): Promise<number> {
  const redis = new Redis(url);
  try {
    return Number((await redis.hget(keysFor(x.prefix).run(runId), RUN.requests)) ?? 0);
  } finally {
    redis.disconnect();
  }
}

function seed(x: Harness, attributes: (inst: string, i: number) => Record<string, string>): void {
  const started = new Date(Date.now() - 3_600_000);
  for (const inst of INSTANCES) {
    for (let i = 0; i < N; i++) x.sim.addContact({ instanceId: inst, contactId: `c${i}`, initiationTimestamp: started, attributes: attributes(inst, i) });
  }
}

/** One row per contact, the two instances interleaved (neighbouring calls are of the same contact id). */
function fileRows(column: string, value: (inst: string, i: number) => string): string {
  const lines: string[][] = [["contactId", "instanceId", column]];
  for (let i = 0; i < N; i++) for (const inst of INSTANCES) lines.push([`c${i}`, inst, value(inst, i)]);
  return csv(lines);
}

/**
 * Works `runId` with three `work` processes, SIGKILLing one (in turn) each time the simulator has received
 * `every` more requests and starting a fresh one in its place. With `end: "finish"` a worker that exits when idle
 * then works the run to its end; with `end: "killAll"` all three are SIGKILLed at once with calls in flight.
 */
async function workThroughKills(x: Harness, runId: string, kills: number, every: number, end: "finish" | "killAll"): Promise<void> {
  const args = ["work", "--run-id", runId, "--prefix", x.prefix, "--endpoint", x.endpoint, ...WORK];
  const workers = Array.from({ length: WORKERS }, () => startCli(args));
  for (let k = 0; k < kills; k++) {
    const seen = x.sim.stats().requests;
    await until(() => x.sim.stats().requests >= seen + every, 30_000);
    const slot = k % WORKERS;
    const victim = workers[slot];
    if (!victim) throw new Error("no worker");
    victim.child.kill("SIGKILL");
    await victim.exited;
    workers[slot] = startCli(args);
  }
  if (end === "killAll") {
    const seen = x.sim.stats().requests;
    await until(() => x.sim.stats().requests >= seen + every, 30_000);
    for (const w of workers) w.child.kill("SIGKILL");
    await Promise.all(workers.map((w) => w.exited));
    return;
  }
  const last = await cli([...args, "--exit-when-idle"]);
  if (last.code !== 0) throw new Error(`the last worker exited ${last.code}: ${last.stderr}`);
  const ctx = await x.ctx();
  await until(async () => (await ctx.store.progress(runId))?.complete === true, 30_000);
  killBackground();
}

describe("per-call hooks and turn-batched counts, three workers SIGKILLed with calls in flight", () => {
  it("--capture-before over two instances sharing contact ids: every call counted, each contact holds its own values, rollback restores each its own", async () => {
    h = await harness({ latencyMs: 60 });
    const x = h;
    seed(x, (inst, i) => ({ v: `old-${inst}-${i}`, keep: inst }));
    const file = await x.file(
      "cap.csv",
      fileRows("v", (inst, i) => `${inst}-${i}`),
    );
    const flags = ["--prefix", x.prefix, "--endpoint", x.endpoint, "--reports-dir", join(x.dir, "reports")];
    const q = await cli(["enqueue", file, ...flags, "--capture-before", "--chunk-size", "25", "--run-id", "pc"]);
    expect(q.code, q.stderr).toBe(0);
    const before = connectCalls(x.sim);

    await workThroughKills(x, "pc", 6, 60, "finish");

    // Every call that reached the service (reads and writes, also those whose worker died before the answer) is counted.
    const received = connectCalls(x.sim) - before;
    const counted = await runRequests(x, "pc");
    expect(counted, `the run counts ${counted} calls; the simulator received ${received}`).toBeGreaterThanOrEqual(received);
    expect((await cli(["report", "pc", ...reportFlags(x), "--quiet"])).code).toBe(0);
    expect((await summaryOf(x, "pc")).requests).toBeGreaterThanOrEqual(received);

    const out = await outcomesOf(x, "pc");
    expect(out).toHaveLength(2 * N);
    expect(new Set(out.map((o) => o.line)).size).toBe(2 * N);
    expect(out.filter((o) => o.status !== "updated").map((o) => `${o.line} ${o.status} ${o.errorCode} ${o.message}`)).toEqual([]);
    // Every write the service took carried its own contact's value, on its own instance.
    const strays = x.sim
      .updates()
      .filter((u) => u.attributes.v !== `${u.instanceId}-${u.contactId.slice(1)}`)
      .map((u) => `${u.instanceId}/${u.contactId} got v=${u.attributes.v}`);
    expect(strays).toEqual([]);
    const wrong: string[] = [];
    for (const inst of INSTANCES) {
      for (let i = 0; i < N; i++) {
        const a = x.sim.attributesOf(inst, `c${i}`);
        if (a?.v !== `${inst}-${i}` || a?.keep !== inst) wrong.push(`${inst}/c${i}=${JSON.stringify(a)}`);
      }
    }
    expect(wrong).toEqual([]);

    // The before-images were read through the same cached stack as the writes: each contact gets its own back.
    const rb = await cli(["rollback", "pc", ...flags, "--rate", "1000", "--concurrency", "32", "--run-id", "pc-rb", "--quiet"]);
    expect(rb.code, rb.stderr).toBe(0);
    for (const inst of INSTANCES) {
      for (let i = 0; i < N; i++) {
        const a = x.sim.attributesOf(inst, `c${i}`);
        if (a?.v !== `old-${inst}-${i}` || a?.keep !== inst) wrong.push(`after rollback ${inst}/c${i}=${JSON.stringify(a)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("UpdateContact with --lookup-start-time, all workers killed at once, then cancel: every call counted, no applied row Cancelled", async () => {
    h = await harness({ latencyMs: 80 });
    const x = h;
    seed(x, () => ({}));
    const file = await x.file(
      "names.csv",
      fileRows("name", (inst, i) => `n-${inst}-${i}`),
    );
    const flags = ["--prefix", x.prefix, "--endpoint", x.endpoint, "--reports-dir", join(x.dir, "reports")];
    const q = await cli(["enqueue", file, ...flags, "--operation", "UpdateContact", "--lookup-start-time", "--chunk-size", "25", "--run-id", "uc"]);
    expect(q.code, q.stderr).toBe(0);
    const before = connectCalls(x.sim);

    await workThroughKills(x, "uc", 4, 60, "killAll");
    // No worker is alive: the dead ones' chunks are held by nobody; cancel may wait out their locks.
    const c = await cli(["cancel", "uc", ...reportFlags(x), "--wait", "4000", "--quiet"]);
    expect(c.code, c.stderr).not.toBe(2);
    const applied = new Set(x.sim.updates(0, "UpdateContact").map((u) => `${u.instanceId}/${u.contactId}`));
    const received = connectCalls(x.sim) - before;
    const counted = await runRequests(x, "uc");
    expect(counted, `the run counts ${counted} calls; the simulator received ${received}`).toBeGreaterThanOrEqual(received);
    // Whatever a later worker does with the run, nothing more is sent.
    const late = await cli(["work", "--run-id", "uc", "--prefix", x.prefix, "--endpoint", x.endpoint, ...WORK, "--exit-when-idle"]);
    expect(late.code, late.stderr).toBe(0);
    expect(x.sim.acceptedCount("UpdateContact")).toBe(x.sim.updates(0, "UpdateContact").length);
    expect(new Set(x.sim.updates(0, "UpdateContact").map((u) => `${u.instanceId}/${u.contactId}`)).size).toBe(applied.size);
    expect((await cli(["report", "uc", ...reportFlags(x), "--quiet"])).code).not.toBe(2);

    const out = await outcomesOf(x, "uc");
    expect(out).toHaveLength(2 * N);
    expect(new Set(out.map((o) => o.line)).size).toBe(2 * N);
    // Line 2k+2 is c{k} of i1, 2k+3 c{k} of i2 (fileRows).
    const keyOf = (line: string) => `${INSTANCES[(Number(line) - 2) % 2]}/c${Math.floor((Number(line) - 2) / 2)}`;
    const reached = out.filter((o) => applied.has(keyOf(o.line)));
    expect(reached.length).toBeGreaterThan(0);
    const notSent = reached.filter((o) => o.errorCode === "Cancelled").map((o) => `line ${o.line} (${keyOf(o.line)}): ${o.status} ${o.errorCode}`);
    expect(notSent, `${notSent.length} rows the service applied are reported "not sent"`).toEqual([]);
    for (const o of reached) expect(["updated/", "cancelled/MaybeSent"]).toContain(`${o.status}/${o.errorCode}`);
    const never = out.filter((o) => !applied.has(keyOf(o.line)));
    expect(never.length).toBeGreaterThan(0);
    for (const o of never) expect(["cancelled/Cancelled", "cancelled/MaybeSent"]).toContain(`${o.status}/${o.errorCode}`);
    // Each applied contact holds its own name, on its own instance; the others none.
    const wrong: string[] = [];
    for (const inst of INSTANCES) {
      for (let i = 0; i < N; i++) {
        const name = x.sim.contactOf(inst, `c${i}`)?.name ?? null;
        const want = applied.has(`${inst}/c${i}`) ? `n-${inst}-${i}` : null;
        if (name !== want) wrong.push(`${inst}/c${i} name=${name} want ${want}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

// HOLE (fails on 167d4f3, as on the code before it): a call's request waits only until its count is *issued*
// (handed to ioredis), not until Redis has run it. While Redis holds writes (CLIENT PAUSE WRITE, as a failover does)
// or the connection is reconnecting (ioredis's offline queue), calls on slots the governor booked earlier still go
// to the service; a SIGKILL then drops their counts and `sending` marks: the run counts fewer calls than the
// service took, and cancel calls rows the service applied "Cancelled". Waiting for `done` instead of `issued` in
// worker/chunk/sendCalls.ts (one Redis round trip per event-loop turn, not per call) makes this test pass.
describe.runIf(hasRedisServer)("a worker SIGKILLed while Redis holds its writes (a failover's CLIENT PAUSE WRITE)", () => {
  it("every call that reached the service is counted, and cancel calls none of their rows Cancelled", async () => {
    h = await harness({ latencyMs: 100 });
    const x = h;
    const r = await privateRedis(x);
    const env = { REDIS_URL: r.url };
    const rows = 600;
    const lines: string[][] = [["contactId", "v"]];
    for (let i = 0; i < rows; i++) lines.push([`p${i}`, String(i)]);
    const file = await x.file("pause.csv", csv(lines));
    const flags = ["--instance-id", "i", "--prefix", x.prefix, "--endpoint", x.endpoint, "--reports-dir", join(x.dir, "reports")];
    expect((await cli(["enqueue", file, ...flags, "--chunk-size", "50", "--run-id", "pz"], env)).code).toBe(0);
    const before = connectCalls(x.sim);
    const w = startCli(
      ["work", "--run-id", "pz", "--prefix", x.prefix, "--endpoint", x.endpoint, "--rate", "400", "--concurrency", "32", "--lock-duration", "1500"],
      env,
    );
    await until(() => x.sim.stats().requests >= 60, 30_000);
    const admin = new Redis(r.url);
    try {
      // Writes (scripts included) wait; the connection stays up. Calls on slots the governor already booked go on.
      await admin.call("CLIENT", "PAUSE", "3000", "WRITE");
      const atPause = connectCalls(x.sim);
      await new Promise((res) => setTimeout(res, 300));
      const duringPause = connectCalls(x.sim) - atPause;
      w.child.kill("SIGKILL");
      await w.exited;
      await admin.call("CLIENT", "UNPAUSE");
      const received = connectCalls(x.sim) - before;
      const counted = await runRequests(x, "pz", r.url);
      expect
        .soft(counted, `the run counts ${counted} calls; the simulator received ${received} (${duringPause} while Redis paused writes)`)
        .toBeGreaterThanOrEqual(received);
      const c = await cli(["cancel", "pz", ...reportFlags(x), "--wait", "4000", "--quiet"], env);
      expect(c.code, c.stderr).not.toBe(2);
      const applied = new Set(x.sim.updates().map((u) => u.contactId));
      const out = await outcomesOf(x, "pz");
      expect(out).toHaveLength(rows);
      const notSent = out.filter((o) => applied.has(o.contactId) && o.errorCode === "Cancelled").map((o) => `line ${o.line}`);
      expect(notSent, `${notSent.length} rows the service applied are reported "not sent"`).toEqual([]);
    } finally {
      admin.disconnect();
    }
  });
});
