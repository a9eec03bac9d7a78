import { afterEach, describe, expect, it } from "vitest";
import { cli, harness, killBackground, rows, startCli, until, type Harness } from "./helpers.js";
import { common, outcomesOf, reportFlags, seedOld, workThroughKills } from "./underKills.js";

// Issue 22, defects 1 and 2: before-images and the job's memory must survive workers SIGKILLed while the
// service applies their calls. The simulator applies a call on arrival, whether or not its caller lives.

let h: Harness | undefined;
afterEach(async () => {
  killBackground();
  await h?.close();
  h = undefined;
});

const N = 300;
const WORK = ["--rate", "150", "--concurrency", "12"];

/** Rollback of `runId`, then: every contact holds its old values again, and no row is `updated` that was not restored. */
async function rollBackAndCheck(x: Harness, runId: string): Promise<void> {
  const rb = await cli(["rollback", runId, ...common(x), "--rate", "1000", "--concurrency", "16", "--run-id", `${runId}-rb`, "--quiet"]);
  const wrong: string[] = [];
  for (let i = 0; i < N; i++) if (x.sim.attributesOf("i", `c${i}`)?.v !== `old${i}`) wrong.push(`c${i}=${x.sim.attributesOf("i", `c${i}`)?.v}`);
  const out = await outcomesOf(x, `${runId}-rb`);
  // A rollback row reported `updated` whose contact still holds the run's own value was not restored.
  const claimed = out.filter((o) => o.status === "updated" && x.sim.attributesOf("i", o.contactId)?.v === o.contactId.slice(1));
  expect(
    claimed.map((o) => o.contactId),
    `rollback exited ${rb.code} and reports these contacts restored, which still hold the run's values`,
  ).toEqual([]);
  expect(wrong, `${wrong.length} of ${N} contacts do not hold their old values after rollback (exit ${rb.code})`).toEqual([]);
  for (const i of [0, N - 1]) expect(x.sim.attributesOf("i", `c${i}`)?.keep).toBe("k");
}

describe("rollback after workers were SIGKILLed with calls in flight", () => {
  it("--capture-before: every contact gets its old values back, and rollback reports none restored that is not", async () => {
    h = await harness({ latencyMs: 40 });
    seedOld(h, N, "c");
    const file = await h.file("cap.csv", rows(N, "c"));
    const q = await cli(["enqueue", file, ...common(h), "--capture-before", "--chunk-size", "20", "--run-id", "capk"]);
    expect(q.code, q.stderr).toBe(0);
    await workThroughKills(h, "capk", WORK, { kills: 5, every: 70 });
    // The run itself ended right: every contact holds its row's value.
    for (let i = 0; i < N; i++) expect(h.sim.attributesOf("i", `c${i}`)?.v).toBe(String(i));
    expect((await cli(["report", "capk", ...reportFlags(h), "--quiet"])).code).toBe(0);
    await rollBackAndCheck(h, "capk");
  });

  it("--capture-before with --only-changed on a job's first night: the same, rows judged unchanged included", async () => {
    h = await harness({ latencyMs: 40 });
    seedOld(h, N, "c");
    const file = await h.file("capj.csv", rows(N, "c"));
    const job = ["--job-name", "capjob", "--only-changed", "--capture-before"];
    const q = await cli(["enqueue", file, ...common(h), ...job, "--chunk-size", "20", "--run-id", "capj"]);
    expect(q.code, q.stderr).toBe(0);
    await workThroughKills(h, "capj", WORK, { kills: 5, every: 70 });
    for (let i = 0; i < N; i++) expect(h.sim.attributesOf("i", `c${i}`)?.v).toBe(String(i));
    expect((await cli(["report", "capj", ...reportFlags(h), "--quiet"])).code).toBe(0);
    await rollBackAndCheck(h, "capj");
  });
});

describe("rollback of a run whose killed worker's calls were applied, then refused when sent again", () => {
  it("says it cannot vouch for those contacts (exit 3), and their rows say an earlier try may have been applied", async () => {
    h = await harness({ latencyMs: 1 });
    const n = 20;
    seedOld(h, n, "p");
    const file = await h.file("perm.csv", rows(n, "p"));
    const q = await cli(["enqueue", file, ...common(h), "--capture-before", "--chunk-size", "5", "--run-id", "perm"]);
    expect(q.code, q.stderr).toBe(0);
    // Calls are applied on arrival and answered 600 ms later: the kill lands with calls applied, unanswered.
    h.sim.setLatency(600);
    const aim = ["--prefix", h.prefix, "--endpoint", h.endpoint, "--run-id", "perm"];
    const worker = startCli(["work", ...aim, "--concurrency", "4", "--rate", "50", "--lock-duration", "2000"]);
    await until(() => h?.sim.acceptedCount() !== undefined && (h?.sim.acceptedCount() ?? 0) >= 4);
    worker.child.kill("SIGKILL");
    await worker.exited;
    const reached = Array.from({ length: n }, (_, i) => `p${i}`).filter((c) => h?.sim.attributesOf("i", c)?.v !== `old${c.slice(1)}`);
    expect(reached.length).toBeGreaterThanOrEqual(4);
    // Sent again, each of them is refused for good: the run's values stay on them.
    for (const c of reached)
      h.sim.injectFaults(
        c,
        Array.from({ length: 10 }, () => "ConflictException" as const),
        "UpdateContactAttributes",
      );
    h.sim.setLatency(1);
    const again = await cli(["work", ...aim, "--exit-when-idle", "--max-attempts", "2"]);
    expect(again.code, again.stderr).toBe(0);
    expect((await cli(["report", "perm", ...reportFlags(h), "--quiet"])).code).toBe(3);
    const failed = (await outcomesOf(h, "perm")).filter((o) => o.status === "failed");
    expect(failed.map((o) => o.contactId).sort()).toEqual([...reached].sort());
    for (const o of failed) expect(o.message).toContain("an earlier try of this call, whose worker stopped before its answer, may have been applied");
    const rb = await cli(["rollback", "perm", ...common(h), "--run-id", "perm-rb"]);
    expect(rb.code, rb.stdout + rb.stderr).toBe(3);
    expect(rb.stdout + rb.stderr).toMatch(new RegExp(`cannot vouch for ${reached.length} contact`));
    // The others are restored; these still hold the run's values, as said.
    for (let i = 0; i < n; i++) if (!reached.includes(`p${i}`)) expect(h.sim.attributesOf("i", `p${i}`)?.v).toBe(`old${i}`);
  });
});

describe("--only-changed on a job's first night, workers SIGKILLed mid-run", () => {
  it("no row is unchanged (the memory was empty before the night), and every contact holds its row's value", async () => {
    h = await harness({ latencyMs: 25 });
    const file = await h.file("night1.csv", rows(N, "c"));
    const q = await cli(["enqueue", file, ...common(h), "--job-name", "firstnight", "--only-changed", "--chunk-size", "20", "--run-id", "oc1"]);
    expect(q.code, q.stderr).toBe(0);
    await workThroughKills(h, "oc1", ["--rate", "200", "--concurrency", "16"], { kills: 5, every: 40 });
    expect((await cli(["report", "oc1", ...reportFlags(h), "--quiet"])).code).toBe(0);
    const out = await outcomesOf(h, "oc1");
    expect(out).toHaveLength(N);
    const unchanged = out.filter((o) => o.status === "unchanged").map((o) => o.line);
    expect(unchanged, `${unchanged.length} rows reported unchanged on the job's first night`).toEqual([]);
    expect(out.every((o) => o.status === "updated")).toBe(true);
    for (let i = 0; i < N; i++) expect(h.sim.attributesOf("i", `c${i}`)?.v).toBe(String(i));
  });
});
