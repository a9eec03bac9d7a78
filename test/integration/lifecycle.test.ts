import { existsSync } from "node:fs";
import { appendFile, readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { Redis } from "ioredis";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cli, harness, killBackground, readReport, REDIS_URL, rows, startCli, until, type Harness } from "./helpers.js";

let h: Harness | undefined;
afterEach(async () => {
  killBackground();
  await h?.close();
  h = undefined;
});

describe("cancel", () => {
  it("stops a run everywhere: no call after it returns, unsent rows cancelled, reports written", async () => {
    h = await harness({ latencyMs: 20 });
    const file = await h.file("long.csv", rows(300, "c"));
    const common = ["--prefix", h.prefix, "--endpoint", h.endpoint];
    expect((await cli(["enqueue", file, "--instance-id", "i", "--run-id", "long", "--chunk-size", "50", ...common])).code).toBe(0);
    startCli(["work", "--rate", "40", "--concurrency", "4", ...common]);
    const sim = h.sim;
    await until(() => sim.updates().length >= 20);
    const res = await cli(["cancel", "long", "--prefix", h.prefix, "--reports-dir", join(h.dir, "reports")]);
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/run long cancelled: \d+ queued rows cancelled/);
    expect(res.stdout).toMatch(/cancelled +\d+/);
    const atReturn = sim.updates().length;
    await new Promise((r) => setTimeout(r, 1000));
    expect(sim.updates().length).toBe(atReturn);

    const out = await readReport(join(h.dir, "reports", "long", "outcomes.csv"));
    expect(out).toHaveLength(300);
    expect(new Set(out.map((o) => o.line)).size).toBe(300);
    const updated = out.filter((o) => o.status === "updated").length;
    const cancelled = out.filter((o) => o.status === "cancelled");
    expect(updated).toBe(atReturn);
    expect(updated + cancelled.length).toBe(300);
    expect(cancelled[0]?.message).toMatch(/^line \d+: not sent: the run was cancelled \(by "connect-backfill cancel" at /);
    const summary = JSON.parse(await readFile(join(h.dir, "reports", "long", "summary.json"), "utf8"));
    expect(summary.counts.cancelled).toBe(cancelled.length);
    const status = JSON.parse((await cli(["status", "long", "--json", "--prefix", h.prefix])).stdout);
    expect(status.state).toBe("cancelled");

    const resume = await cli(["resume", "long", "--prefix", h.prefix]);
    expect(resume.code).toBe(1);
    expect(resume.stderr).toMatch(/run long was cancelled; it cannot be resumed/);
  });

  it("a Ctrl-C'd run says how to go on or cancel, and going on works", async () => {
    h = await harness({ latencyMs: 20 });
    const file = await h.file("ctrl-c.csv", rows(200, "k"));
    const common = ["--prefix", h.prefix, "--endpoint", h.endpoint, "--reports-dir", join(h.dir, "reports"), "--instance-id", "i"];
    const sim = h.sim;
    const first = await cli(["run", file, "--run-id", "cc", "--rate", "100", "--quiet", ...common], {}, { signalWhen: () => sim.updates().length >= 20 });
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(
      new RegExp(
        `run cc interrupted; \\d+ rows are still queued: go on with "connect-backfill run ${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} --run-id cc" \\(or "connect-backfill work --run-id cc"\\), or drop them with "connect-backfill cancel cc"`,
      ),
    );
    // The hint's command as it is: the run keeps its own --rate 100.
    const again = await cli(["run", file, "--run-id", "cc", "--quiet", ...common]);
    expect(again.code).toBe(0);
    const out = await readReport(join(h.dir, "reports", "cc", "outcomes.csv"));
    expect(out).toHaveLength(200);
    expect(out.every((o) => o.status === "updated")).toBe(true);
  });
});

describe("status tells the state as it is", () => {
  it("queued before any worker, running while worked (with an ETA), finished with its rate frozen", async () => {
    h = await harness({ latencyMs: 20 });
    const file = await h.file("states.csv", rows(120, "s"));
    const common = ["--prefix", h.prefix];
    expect((await cli(["enqueue", file, "--endpoint", h.endpoint, "--instance-id", "i", "--run-id", "st", "--chunk-size", "20", ...common])).code).toBe(0);
    const status = async () => JSON.parse((await cli(["status", "st", "--json", ...common])).stdout);
    const queued = await status();
    expect(queued).toMatchObject({ state: "queued", eta: null, rate: null, total: 120, startedAt: null, lastOutcomeAt: null });
    expect(queued.input).toBe(file);
    expect(Date.parse(queued.createdAt)).toBeGreaterThan(Date.now() - 60_000);

    // Slow enough that a status process started on a loaded machine still finds it running.
    const worker = startCli(["work", "--exit-when-idle", "--rate", "15", "--concurrency", "4", "--endpoint", h.endpoint, ...common]);
    const sim = h.sim;
    await until(() => sim.updates().length >= 10);
    const running = await status();
    expect(running.state).toBe("running");
    expect(running.eta).toBeGreaterThan(0);
    expect(await worker.exited).toBe(0);

    const finished = await status();
    expect(finished).toMatchObject({ state: "finished", eta: 0 });
    expect(finished.lastOutcomeAt).not.toBeNull();
    await new Promise((r) => setTimeout(r, 1500));
    expect((await status()).rate).toBe(finished.rate);
    expect((await cli(["status", "st", ...common])).stdout).toMatch(/^run st: finished\n  UpdateContactAttributes from .*states\.csv; created .*, latest outcome /);
  });
});

describe("run ids and changed files", () => {
  it("reusing --run-id on a file whose content changed is refused in one sentence; the same file is not queued twice", async () => {
    h = await harness();
    const file = await h.file("nightly.csv", rows(10, "n"));
    const common = ["--prefix", h.prefix, "--endpoint", h.endpoint, "--instance-id", "i", "--run-id", "nightly"];
    expect((await cli(["enqueue", file, ...common])).code).toBe(0);
    const same = await cli(["enqueue", file, ...common]);
    expect(same.code).toBe(0);
    expect(same.stderr).toMatch(/already queued, nothing added/);
    await appendFile(file, "n10,10\n");
    for (const cmd of ["enqueue", "run"]) {
      const changed = await cli([cmd, file, ...common, "--reports-dir", join(h.dir, "reports")]);
      expect(changed.code).toBe(1);
      expect(changed.stderr.trim()).toMatch(
        /^connect-backfill: run nightly was queued from .*nightly\.csv when it held other content \(\d+ bytes then, \d+ now\); give a new --run-id to queue the file as it is now\.$/,
      );
    }
    expect(h.sim.stats().requests).toBe(0);
  });
});

describe("prune", () => {
  it("removes finished runs' data from Redis and keeps the reports; keeps what is unfinished or not yet written out", async () => {
    h = await harness();
    const common = ["--prefix", h.prefix, "--endpoint", h.endpoint, "--instance-id", "i", "--reports-dir", join(h.dir, "reports")];
    // done: finished and reported; unreported: finished by a worker, its outcomes still in Redis; waiting: never worked
    expect((await cli(["run", await h.file("done.csv", rows(10, "d")), "--run-id", "done", "--quiet", ...common])).code).toBe(0);
    expect((await cli(["enqueue", await h.file("unrep.csv", rows(10, "u")), "--run-id", "unreported", ...common])).code).toBe(0);
    expect((await cli(["work", "--exit-when-idle", "--run-id", "unreported", "--prefix", h.prefix, "--endpoint", h.endpoint])).code).toBe(0);
    expect((await cli(["enqueue", await h.file("wait.csv", rows(10, "w")), "--run-id", "waiting", ...common])).code).toBe(0);

    const probe = new Redis(REDIS_URL);
    expect((await probe.keys(`${h.prefix}:chunks.done:*`)).length).toBeGreaterThan(0); // BullMQ's keys of the run's queue
    await probe.quit();

    const young = await cli(["prune", "--prefix", h.prefix]);
    expect(young.stdout.trim()).toBe("pruned 0 runs"); // all younger than the default 30 days

    const res = await cli(["prune", "--older-than", "0m", "--prefix", h.prefix]);
    expect(res.code).toBe(0);
    expect(res.stdout.trim()).toBe("pruned 1 run: done");
    expect(res.stderr).toMatch(/kept run unreported: 10 of its outcomes are not written to a report yet: run "connect-backfill report unreported" first/);
    const redis = new Redis(REDIS_URL);
    try {
      // Its run hash, bitmap, streams, timeline and its own BullMQ queue are gone.
      expect([...(await redis.keys(`${h.prefix}:run:done*`)), ...(await redis.keys(`${h.prefix}:chunks.done:*`))]).toEqual([]);
      expect((await redis.keys(`${h.prefix}:run:unreported*`)).length).toBeGreaterThan(0);
      expect(await redis.zrange(`${h.prefix}:runs`, 0, -1)).toEqual(expect.arrayContaining(["unreported", "waiting"]));
    } finally {
      await redis.quit();
    }
    expect(existsSync(join(h.dir, "reports", "done", "outcomes.csv"))).toBe(true);
    expect((await cli(["status", "done", "--prefix", h.prefix])).code).toBe(1);

    const notFinished = await cli(["prune", "--run-id", "waiting", "--prefix", h.prefix]);
    expect(notFinished.code).toBe(1);
    expect(notFinished.stderr).toMatch(/kept run waiting: it is not finished \(cancel it first to drop it\)/);
    const soon = await cli(["prune", "--older-than", "soon", "--prefix", h.prefix]);
    expect(soon.code).toBe(2);
    expect(soon.stderr).toMatch(
      /--older-than must be a duration such as 30d, 12h, 90m \(minutes\) or 6mo \(months\): "soon" is not a whole number followed by a unit/,
    );
  });
});

describe("report elsewhere", () => {
  it("in a folder without the run's spool, says where the outcomes went and creates nothing", async () => {
    h = await harness();
    const common = ["--prefix", h.prefix, "--endpoint", h.endpoint, "--instance-id", "i"];
    expect((await cli(["run", await h.file("r.csv", rows(10, "r")), "--run-id", "away", "--reports-dir", join(h.dir, "host-a"), "--quiet", ...common])).code).toBe(0);
    const elsewhere = await cli(["report", "away", "--reports-dir", join(h.dir, "host-b"), "--prefix", h.prefix]);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr.trim()).toBe(
      `connect-backfill: the outcomes of run away were moved out of Redis into ${hostname()}:${join(h.dir, "host-a", "away", ".outcomes.spool")}; run "connect-backfill report away" there, or give --reports-dir the folder that holds away/.outcomes.spool.`,
    );
    expect(existsSync(join(h.dir, "host-b"))).toBe(false);
    expect((await cli(["report", "away", "--reports-dir", join(h.dir, "host-a"), "--prefix", h.prefix])).code).toBe(0);
  });
});

describe("status over many runs", () => {
  it("lists every run, and one index entry without its run hides none of the others", async () => {
    h = await harness();
    const ctx = await h.ctx();
    for (let i = 0; i < 60; i++) {
      await ctx.store.create({
        version: 1,
        operation: "UpdateContactAttributes",
        runId: `many-${i}`,
        input: "/x.csv",
        shape: { format: "jsonl" },
        defaultInstanceId: "i",
        minContactDate: 0,
        chunkSize: 10,
        createdAt: Date.now() + i,
        parentRunId: undefined,
        breakerWindow: 1000,
        breakerRatio: 0.5,
        breakerAuth: 5,
        breakerConsecutive: 25,
        breakerIgnore: [],
        maxContactAge: null,
        queue: `chunks.many-${i}`,
        target: { endpoint: undefined, region: undefined },
      });
    }
    await ctx.redis.del(ctx.keys.run("many-7"));
    const res = await cli(["status", "--json", "--prefix", h.prefix]);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toHaveLength(59);
    expect(res.stderr).toMatch(/run many-7 is listed but its record is gone from Redis; "connect-backfill prune" drops the entry/);
    expect(JSON.parse((await cli(["status", "--json", "--limit", "5", "--prefix", h.prefix])).stdout)).toHaveLength(5);
    await cli(["prune", "--prefix", h.prefix]);
    expect((await cli(["status", "--json", "--prefix", h.prefix])).stderr).toBe("");
  });

  it("--chunk-size is bounded", async () => {
    const res = await cli(["enqueue", "x.csv", "--chunk-size", "5000000"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--chunk-size must be at most 10000, got 5000000/);
  });
});

describe("report files under concurrency and reuse", () => {
  it("several report writers on one run at once all succeed, and the files are whole", async () => {
    h = await harness();
    const common = ["--prefix", h.prefix, "--reports-dir", join(h.dir, "reports")];
    expect(
      (
        await cli([
          "run",
          await h.file("w.csv", rows(300, "w")),
          "--run-id",
          "writers",
          "--instance-id",
          "i",
          "--endpoint",
          h.endpoint,
          "--rate",
          "1000",
          "--quiet",
          ...common,
        ])
      ).code,
    ).toBe(0);
    for (let round = 0; round < 2; round++) {
      const results = await Promise.all(Array.from({ length: 4 }, () => cli(["report", "writers", "--quiet", ...common])));
      expect(results.map((r) => [r.code, r.stderr])).toEqual(Array.from({ length: 4 }, () => [0, ""]));
      expect(await readReport(join(h.dir, "reports", "writers", "outcomes.csv"))).toHaveLength(300);
    }
  });

  it("a run id used again after prune gets its own outcomes, not the old spool's", async () => {
    h = await harness({ autoCreate: false }); // the first time, every contact is unknown: all rows fail
    const common = ["--prefix", h.prefix, "--reports-dir", join(h.dir, "reports"), "--instance-id", "i", "--endpoint", h.endpoint, "--rate", "1000", "--quiet"];
    const file = await h.file("again.csv", rows(20, "g"));
    expect((await cli(["run", file, "--run-id", "again", ...common])).code).toBe(3);
    expect((await cli(["prune", "--run-id", "again", "--prefix", h.prefix])).code).toBe(0);
    for (let i = 0; i < 20; i++) h.sim.addContact({ instanceId: "i", contactId: `g${i}`, initiationTimestamp: new Date() });
    expect((await cli(["run", file, "--run-id", "again", ...common])).code).toBe(0);
    const out = await readReport(join(h.dir, "reports", "again", "outcomes.csv"));
    expect(out).toHaveLength(20);
    expect(out.every((o) => o.status === "updated")).toBe(true);
  });
});
