import { spawn } from "node:child_process";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { enqueueRun } from "../../src/app/enqueueRun.js";
import { cli, deletePrefix, harness, REDIS_URL, ROOT, rows, startCli, until, type Harness } from "./helpers.js";

// Runs that share a Redis: a process works only the runs it is meant to, and never
// sends a run queued for one endpoint (AWS) to another (the simulator).

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("run isolation", () => {
  it("a production run queued for AWS is never worked by `run` or `work` aimed at the simulator", async () => {
    h = await harness();
    const common = ["--prefix", h.prefix];
    // Queued for AWS (no endpoint given), as an operator's nightly run would be. By the producer `enqueue` runs:
    // `enqueue` itself first checks that the run's endpoint answers (exit 1 and nothing queued when it does not),
    // and AWS's endpoint does not answer from every test machine. Who works the run is this test's business.
    const victim = await h.file("nightly.csv", rows(50, "prod"));
    const aws = await h.ctx({ endpoint: undefined, "instance-id": "prod-instance", "run-id": "victim-run" });
    expect(aws.config.target.endpoint).toBeUndefined();
    expect(await enqueueRun(aws, victim, "csv", {})).toMatchObject({ runId: "victim-run", rows: 50, invalid: 0 });

    // Someone runs another file against the simulator on the same Redis prefix.
    const mine = await h.file("mine.csv", rows(20, "sim"));
    const run = await cli([
      "run",
      mine,
      "--instance-id",
      "sim-instance",
      "--run-id",
      "mine",
      "--endpoint",
      h.endpoint,
      "--reports-dir",
      join(h.dir, "reports"),
      "--rate",
      "500",
      "--quiet",
      ...common,
    ]);
    expect(run.code).toBe(0);
    // A worker for every run, aimed at the simulator: leaves the AWS run alone and says so once.
    const work = await cli(["work", "--exit-when-idle", "--endpoint", h.endpoint, "--log-level", "warn", ...common]);
    expect(work.code).toBe(0);
    const said = work.stderr.split("\n").filter((l) => l.includes("left alone"));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain("run victim-run left alone: it was queued for the AWS default endpoint, this worker calls http://127.0.0.1:");

    expect(h.sim.updates().every((u) => u.instanceId === "sim-instance")).toBe(true);
    expect(h.sim.updates()).toHaveLength(20);
    const status = JSON.parse((await cli(["status", "victim-run", "--json", ...common])).stdout);
    expect(status.counts).toMatchObject({ pending: 50, updated: 0, failed: 0 });
  });

  it("work --run-id takes only the runs named; plain work takes the rest", async () => {
    h = await harness();
    const common = ["--prefix", h.prefix, "--endpoint", h.endpoint];
    for (const id of ["ra", "rb", "rc"]) {
      const file = await h.file(`${id}.csv`, rows(15, id));
      expect((await cli(["enqueue", file, "--instance-id", "i", "--run-id", id, ...common])).code).toBe(0);
    }
    expect((await cli(["work", "--exit-when-idle", "--run-id", "ra,rc", "--rate", "500", ...common])).code).toBe(0);
    const count = (id: string) => h?.sim.updates().filter((u) => u.contactId.startsWith(id)).length;
    expect([count("ra"), count("rb"), count("rc")]).toEqual([15, 0, 15]);
    expect((await cli(["work", "--exit-when-idle", "--rate", "500", ...common])).code).toBe(0);
    expect([count("ra"), count("rb"), count("rc")]).toEqual([15, 15, 15]);
  });

  it("a bad --run-id list is a usage error naming it", async () => {
    const res = await cli(["work", "--run-id", "ok,../evil"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--run-id must be 1-64 letters, digits, "_", "-" or "\." and not only digits or dots, got "\.\.\/evil"/);
  });

  it("npm run demo works under a prefix of its own", async () => {
    const redis = new Redis(REDIS_URL);
    try {
      const out = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "scripts/demo.ts")], { cwd: ROOT, env: { ...process.env, REDIS_URL } });
        let stdout = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.on("exit", (code) => resolve({ code, stdout }));
      });
      expect(out.code).toBe(0);
      const runId = /as run (demo-[a-z0-9]+)/.exec(out.stdout)?.[1];
      expect(runId).toBeDefined();
      expect(await redis.exists(`cb-demo:run:${runId}`)).toBe(1);
      expect(await redis.exists(`cb:run:${runId}`)).toBe(0);
      await deletePrefix("cb-demo");
    } finally {
      await redis.quit();
    }
  });

  it("work --run-id started before its run is made waits for it, then works it where it was queued", async () => {
    h = await harness({ latencyMs: 1 });
    const x = h;
    // No endpoint of its own: aimed by its command at AWS, it would leave a run queued for the simulator alone.
    // Two runs named, made one after the other: it is aimed where the first made is queued, and works both.
    const worker = startCli(["work", "--run-id", "later,later2", "--prefix", x.prefix, "--region", "us-east-1"], { AWS_ENDPOINT_URL_CONNECT: "" });
    try {
      await new Promise((r) => setTimeout(r, 1500));
      const file = await x.file("later.csv", rows(20, "l"));
      expect((await cli(["enqueue", file, "--instance-id", "i", "--run-id", "later", "--prefix", x.prefix, "--endpoint", x.endpoint])).code).toBe(0);
      await new Promise((r) => setTimeout(r, 1000));
      const file2 = await x.file("later2.csv", rows(20, "m"));
      expect((await cli(["enqueue", file2, "--instance-id", "i", "--run-id", "later2", "--prefix", x.prefix, "--endpoint", x.endpoint])).code).toBe(0);
      await until(() => x.sim.acceptedCount() === 40, 30_000);
    } finally {
      worker.child.kill("SIGTERM");
      await worker.exited;
    }
  });
});
