import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { Redis } from "ioredis";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConnectSimulator } from "../../src/simulator/index.js";
import { cli, csv, harness, killBackground, REDIS_URL, rows, startCli, until, type Harness } from "./helpers.js";

let h: Harness | undefined;
let other: ConnectSimulator | undefined;
afterEach(async () => {
  killBackground();
  await other?.stop();
  other = undefined;
  await h?.close();
  h = undefined;
});

/** A second simulator: the place a shell aimed elsewhere would send calls to. */
async function elsewhere(): Promise<{ sim: ConnectSimulator; endpoint: string }> {
  other = new ConnectSimulator({ autoCreate: true });
  const { endpoint } = await other.start();
  return { sim: other, endpoint };
}

describe("a run's target and settings are the run's", () => {
  it("retry and rollback call the parent's simulator, not the one the shell names; a conflicting flag is refused", async () => {
    h = await harness();
    const b = await elsewhere();
    for (const contactId of ["ok", "flaky"]) h.sim.addContact({ instanceId: "i", contactId, initiationTimestamp: new Date() });
    h.sim.injectFaults("flaky", [503, 503]);
    const file = await h.file(
      "first.csv",
      csv([
        ["contactId", "note"],
        ["ok", "a"],
        ["flaky", "b"],
      ]),
    );
    const reports = join(h.dir, "reports");
    const base = ["--prefix", h.prefix, "--log-level", "warn"];
    const first = await cli([
      "run",
      file,
      "--instance-id",
      "i",
      "--run-id",
      "parent",
      "--capture-before",
      "--max-attempts",
      "1",
      "--max-tries",
      "1",
      "--endpoint",
      h.endpoint,
      "--reports-dir",
      reports,
      ...base,
    ]);
    expect(first.code).toBe(3);
    const aBefore = h.sim.stats().requests;

    // The shell now points at simulator B, by every variable the AWS SDK reads, and at another Region.
    const shellB = { AWS_ENDPOINT_URL: b.endpoint, AWS_ENDPOINT_URL_CONNECT: b.endpoint, AWS_REGION: "eu-west-1" };
    for (const [flag, value, held] of [
      ["--endpoint", b.endpoint, h.endpoint],
      ["--region", "eu-west-1", "us-east-1"],
      ["--instance-id", "other", "i"],
      ["--operation", "UpdateContact", "UpdateContactAttributes"],
    ] as const) {
      const refused = await cli(["retry", "parent", flag, value, ...base], shellB);
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr.trim().split("\n")).toHaveLength(1);
      expect(refused.stderr).toContain(`${flag} ${value} disagrees with run parent`);
      expect(refused.stderr).toContain(`holds ${flag.slice(2)} ${held}`);
    }
    // A flag a retry does not take is said as such, with why.
    const canary = await cli(["retry", "parent", "--canary", "5", ...base], shellB);
    expect(canary.code).toBe(2);
    expect(canary.stderr).toMatch(/retry does not take --canary: its rows come from the parent run's outcomes/);

    // No --reports-dir: the parent's folder is known (its outcomes were moved there); no --endpoint: the parent's.
    const retry = await cli(["retry", "parent", "--run-id", "child", ...base], shellB);
    expect(retry.stderr).toBe("");
    expect(retry.code).toBe(0);
    expect(h.sim.attributesOf("i", "flaky")).toEqual({ note: "b" });
    expect(h.sim.stats().requests).toBeGreaterThan(aBefore);
    expect(b.sim.stats().requests).toBe(0);
    expect(existsSync(join(reports, "child", "outcomes.csv"))).toBe(true);

    // A flag that agrees with the run is no conflict.
    const agreeing = await cli(["retry", "child", "--endpoint", h.endpoint, "--region", "us-east-1", "--instance-id", "i", ...base], shellB);
    expect(agreeing.code, agreeing.stderr).toBe(0);
    expect(agreeing.stdout).toMatch(/nothing to retry/);

    // Rollback writes back where the run wrote, whatever the shell says (the retry kept its parent's --capture-before).
    const aBeforeRollback = h.sim.stats().requests;
    const rollback = await cli(["rollback", "child", "--run-id", "undo", ...base], shellB);
    expect(rollback.stderr).toBe("");
    expect(rollback.code).toBe(0);
    expect(h.sim.attributesOf("i", "flaky")).toEqual({ note: "" });
    expect(h.sim.stats().requests).toBeGreaterThan(aBeforeRollback);
    expect(b.sim.stats().requests).toBe(0);
    expect(existsSync(join(reports, "undo", "outcomes.csv"))).toBe(true);
    // Eleven commands, each a process of its own: generous on a loaded machine.
  }, 240_000);
});

describe("a resumed canary stays resumed", () => {
  it("restarting the producer with --run-id and --canary never pauses the run again", async () => {
    h = await harness();
    const file = await h.file("big.csv", rows(60, "c"));
    const args = ["--instance-id", "i", "--run-id", "cr", "--canary", "5", "--chunk-size", "5", "--queue-window", "10", "--rate", "30"];
    const common = ["--prefix", h.prefix, "--endpoint", h.endpoint, "--reports-dir", join(h.dir, "reports"), "--log-level", "warn", "--quiet"];
    const first = await cli(["run", file, ...args, ...common]);
    expect(first.code, first.stderr).toBe(4);
    const resumed = await cli(["resume", "cr", "--prefix", h.prefix]);
    expect(resumed.code).toBe(0);
    // The run's producer stopped with it: the sentence says to start one.
    expect(resumed.stderr).toMatch(/queue the rest and work it with "connect-backfill run .*big\.csv --run-id cr"/);
    // The same command again, as advised, stopped part way (Ctrl-C)...
    const updated = () => h?.sim.acceptedCount() ?? 0;
    const stopped = await cli(["run", file, ...args, ...common], {}, { signalWhen: () => updated() >= 20 });
    expect(stopped.code, stopped.stderr).not.toBe(4);
    // ...and once more: it goes on to the end without a second pause.
    const again = await cli(["run", file, ...args, ...common]);
    expect(again.stderr).toBe("");
    expect(again.code).toBe(0);
    expect(new Set(h.sim.updates().map((u) => u.contactId)).size).toBe(60);
  });

  it("resume does not advise a producer while one is running", async () => {
    h = await harness();
    const file = await h.file("big.csv", rows(60, "p"));
    const common = ["--prefix", h.prefix, "--endpoint", h.endpoint, "--log-level", "warn"];
    // A producer that keeps a window of the file in Redis, waiting for room.
    startCli(["enqueue", file, "--instance-id", "i", "--run-id", "pr", "--canary", "3", "--chunk-size", "5", "--queue-window", "10", ...common]);
    const status = async () =>
      JSON.parse((await cli(["status", "pr", "--json", "--prefix", h?.prefix ?? ""])).stdout || "{}") as { state?: string; counts?: { pending: number } };
    await until(async () => ((await status()).counts?.pending ?? 0) >= 10);
    const work = await cli(["work", "--exit-when-idle", "--run-id", "pr", ...common]);
    expect(work.code).toBe(0);
    expect((await status()).state).toBe("paused");
    const resumed = await cli(["resume", "pr", "--prefix", h.prefix]);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/its producer is running \(seen \d+ s ago\)/);
    expect(resumed.stderr).not.toMatch(/queue the rest and work it with/);
  });

  it("report --follow follows on through a pause, says so once with the reports so far, and ends with the run", async () => {
    h = await harness();
    const file = await h.file("f.csv", rows(20, "f"));
    const common = ["--prefix", h.prefix, "--endpoint", h.endpoint, "--log-level", "warn"];
    const reports = join(h.dir, "reports");
    const queued = await cli(["enqueue", file, "--instance-id", "i", "--run-id", "fr", "--canary", "3", "--chunk-size", "5", ...common]);
    expect(queued.code, queued.stderr).toBe(0);
    let ended = false;
    const follower = cli(["report", "fr", "--follow", "--quiet", "--reports-dir", reports, "--prefix", h.prefix]).then((r) => {
      ended = true;
      return r;
    });
    const paused = await cli(["work", "--exit-when-idle", "--run-id", "fr", ...common]);
    expect(paused.code).toBe(0);
    // The reports of the canary's rows are written at the pause, by the follower that goes on.
    await until(() => existsSync(join(reports, "fr", "outcomes.csv")));
    await new Promise((r) => setTimeout(r, 1500));
    expect(ended).toBe(false);
    expect((await cli(["resume", "fr", "--prefix", h.prefix])).code).toBe(0);
    const rest = await cli(["work", "--exit-when-idle", "--run-id", "fr", ...common]);
    expect(rest.code).toBe(0);
    const res = await follower;
    expect(res.code).toBe(0);
    expect(res.stderr.match(/Still following it/g)).toHaveLength(1);
    expect(res.stderr).toMatch(/canary: the first 3 rows that needed a call were sent and run fr is paused/);
    expect(h.sim.acceptedCount()).toBe(20);
  });
});

/** A shell with no AWS credentials anywhere the SDK looks (the test environment gives some). */
const NO_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: "",
  AWS_SECRET_ACCESS_KEY: "",
  AWS_PROFILE: "",
  AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/credentials",
  AWS_CONFIG_FILE: "/nonexistent/config",
  AWS_EC2_METADATA_DISABLED: "true",
};

describe("a run that cannot start is said before anything is queued", () => {
  it("check: ok against the simulator; an unknown instance, refused credentials and a denied read each in one sentence", async () => {
    h = await harness({ autoCreate: false });
    h.sim.addContact({ instanceId: "i", contactId: "known", initiationTimestamp: new Date() });
    const common = ["--prefix", h.prefix, "--endpoint", h.endpoint];
    const ok = await cli(["check", "--instance-id", "i", ...common]);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^ok: credentials, Region us-east-1, http:\/\/127\.0\.0\.1:\d+, Redis, the instance and the permission to read it\n$/);

    const unknown = await cli(["check", "--instance-id", "nope", ...common]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^connect-backfill: instance nope was not found in Region us-east-1 .*check --instance-id and --region\.\n$/);

    h.sim.failNext(1, "AccessDeniedException", "DescribeContact");
    const denied = await cli(["check", "--instance-id", "i", ...common]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^connect-backfill: the caller may not call Connect on instance i \(AccessDeniedException/);

    h.sim.setRejectedAccessKeys(["AKIDTESTONLY"]);
    const refused = await cli(["check", "--instance-id", "i", ...common]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^connect-backfill: the credentials were refused by Connect in Region us-east-1 \(UnrecognizedClientException\)/);

    const none = await cli(["check", "--instance-id", "i", ...common], { ...NO_CREDENTIALS, AWS_REGION: "" });
    expect(none.code).toBe(1);
    const lines = none.stderr.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^connect-backfill: no AWS Region is set: give --region/);
    expect(lines[1]).toMatch(/^connect-backfill: no AWS credentials were found \(CredentialsProviderError/);
  });

  it("run and enqueue with no credentials, or an endpoint that does not answer, fail before queueing (exit 1)", async () => {
    h = await harness();
    const file = await h.file("n.csv", rows(5, "n"));
    const common = ["--prefix", h.prefix, "--reports-dir", join(h.dir, "reports"), "--instance-id", "i", "--log-level", "warn"];
    const noCreds = await cli(["run", file, "--run-id", "nc", "--endpoint", h.endpoint, ...common], NO_CREDENTIALS);
    expect(noCreds.code).toBe(1);
    expect(noCreds.stderr.trim().split("\n")).toHaveLength(1);
    expect(noCreds.stderr).toMatch(/^connect-backfill: cannot start: no AWS credentials were found/);
    const enq = await cli(["enqueue", file, "--run-id", "nc2", "--endpoint", h.endpoint, ...common], NO_CREDENTIALS);
    expect(enq.code).toBe(1);
    expect(enq.stderr).toMatch(/cannot start: no AWS credentials were found/);
    // enqueue checks in a thread of its own (it makes no call, so it never holds the SDK): the same sentences.
    for (const command of ["run", "enqueue"]) {
      const down = await cli([command, file, "--run-id", "down", "--endpoint", "http://127.0.0.1:9", ...common]);
      expect(down.code).toBe(1);
      expect(down.stderr).toMatch(
        /^connect-backfill: cannot start: the Connect endpoint http:\/\/127\.0\.0\.1:9 \(Region us-east-1\) does not answer \(ECONNREFUSED\)/,
      );
    }
    const noRegion = await cli(["enqueue", file, "--run-id", "nr", "--endpoint", h.endpoint, ...common], { ...NO_CREDENTIALS, AWS_REGION: "" });
    expect(noRegion.code).toBe(1);
    expect(noRegion.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^connect-backfill: cannot start: no AWS Region is set: give --region/),
      expect.stringMatching(/^connect-backfill: cannot start: no AWS credentials were found \(CredentialsProviderError/),
    ]);
    // Nothing was queued, and nothing reached the service.
    const status = await cli(["status", "--json", "--prefix", h.prefix]);
    expect(JSON.parse(status.stdout)).toEqual([]);
    expect(h.sim.stats().requests).toBe(0);
  });
});

describe("enqueue's memory", () => {
  it("queues its file without holding the AWS SDK (its target check ran in a thread that ended); run holds it", async () => {
    h = await harness();
    const file = await h.file("e.csv", rows(5, "e"));
    // Said at the process's exit, by its main thread: is the Connect client's package loaded there?
    const probe = await h.file(
      "probe.cjs",
      `const { isMainThread } = require("node:worker_threads");
if (isMainThread) process.on("exit", () => {
  const held = Object.keys(require.cache).some((f) => f.includes("@aws-sdk/client-connect"));
  process.stderr.write("sdk held: " + held + "\\n");
});`,
    );
    const env = { NODE_OPTIONS: `--require ${probe}` };
    const common = ["--prefix", h.prefix, "--reports-dir", join(h.dir, "reports"), "--instance-id", "i", "--endpoint", h.endpoint, "--log-level", "warn"];
    const enq = await cli(["enqueue", file, "--run-id", "e1", ...common], env);
    expect(enq.code).toBe(0);
    expect(enq.stdout).toBe("e1\n");
    expect(enq.stderr).toMatch(/^sdk held: false$/m);
    const run = await cli(["run", file, "--run-id", "e2", ...common], env);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^sdk held: true$/m);
  });
});

describe("the smaller ones", () => {
  it.each([
    [["run", "x.csv", "--instance-di", "i"], /^connect-backfill: run: unknown option --instance-di; did you mean --instance-id\?\n$/],
    [["retry", "r1", "--canray", "3"], /^connect-backfill: retry: unknown option --canray; "connect-backfill help retry" lists its options\n$/],
    [
      ["status", "--redis-url", "http://127.0.0.1:6379"],
      /^connect-backfill: --redis-url \(REDIS_URL\) must be a redis:\/\/ or rediss:\/\/ URL .*got "http:\/\/…"\n$/,
    ],
  ])("%j exits 2 with one sentence", async (args, message) => {
    const res = await cli(args);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
  });

  it("help retry and help rollback list only the flags they take", async () => {
    for (const cmd of ["retry", "rollback"]) {
      const help = await cli(["help", cmd]);
      expect(help.code).toBe(0);
      for (const flag of ["--canary", "--dry-run", "--format", "--delimiter", "--capture-before", "--only-changed", "--notify", "--job-name"]) {
        expect(help.stdout, `${cmd} ${flag}`).not.toContain(`${flag} `);
      }
      expect(help.stdout).toContain("--run-id ");
    }
  });

  it("redis://…/N uses database N; a database the server does not have is refused in one sentence", async () => {
    h = await harness();
    const file = await h.file("db.csv", rows(3, "d"));
    const db3 = `${REDIS_URL.replace(/\/\d*$/, "")}/3`;
    const common = ["--prefix", h.prefix, "--endpoint", h.endpoint, "--reports-dir", join(h.dir, "reports"), "--instance-id", "i", "--quiet", "--log-level", "warn"];
    try {
      const run = await cli(["run", file, "--run-id", "in3", "--redis-url", db3, ...common]);
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      expect(JSON.parse((await cli(["status", "--json", "--prefix", h.prefix])).stdout)).toEqual([]);
      const in3 = JSON.parse((await cli(["status", "in3", "--json", "--prefix", h.prefix, "--redis-url", db3])).stdout);
      expect(in3).toMatchObject({ runId: "in3", counts: { updated: 3 } });
    } finally {
      const r = new Redis(db3);
      const keys = await r.keys(`${h.prefix}:*`);
      if (keys.length > 0) await r.del(...keys);
      await r.quit();
    }
    const missing = await cli(["status", "--prefix", h.prefix, "--redis-url", `${REDIS_URL.replace(/\/\d*$/, "")}/99`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(
      /^connect-backfill: Redis at .* has no database 99 \(ERR DB index is out of range\); give REDIS_URL a database number the server has/,
    );
  });

  it("an instanceId column left empty and no --instance-id is a usage error before anything is queued", async () => {
    h = await harness();
    const file = await h.file("noinst.csv", "contactId,instanceId,v\nc1,,1\nc2,,2\n");
    const res = await cli(["run", file, "--run-id", "ni", "--prefix", h.prefix, "--endpoint", h.endpoint, "--reports-dir", join(h.dir, "reports")]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/noinst\.csv: its first row \(line 2\) has an empty instanceId and no --instance-id was given/);
    expect(JSON.parse((await cli(["status", "--json", "--prefix", h.prefix])).stdout)).toEqual([]);
  });

  it("a rollback's reports call it a rollback, not a retry", async () => {
    h = await harness();
    h.sim.addContact({ instanceId: "i", contactId: "r1", initiationTimestamp: new Date() });
    const file = await h.file("rb.csv", "contactId,v\nr1,new\n");
    const common = ["--prefix", h.prefix, "--endpoint", h.endpoint, "--reports-dir", join(h.dir, "reports"), "--log-level", "warn"];
    expect((await cli(["run", file, "--instance-id", "i", "--run-id", "cap", "--capture-before", "--quiet", ...common])).code).toBe(0);
    const undo = await cli(["rollback", "cap", "--run-id", "back", ...common]);
    expect(undo.code).toBe(0);
    expect(undo.stdout).toMatch(/run back \(rollback of cap\)/);
    const html = await readFile(join(h.dir, "reports", "back", "report.html"), "utf8");
    expect(html).toContain("rollback of cap");
    expect(html).not.toContain("retry of");
  });
});
