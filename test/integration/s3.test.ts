import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cli, csv, harness, killBackground, rows, startCli, until, type Harness } from "./helpers.js";
import { startS3, type S3Server } from "./s3Server.js";

// Exports in S3, reports in S3: the real CLI, the simulator through the SDK, and a real S3-compatible
// server (s3rver) through the S3 client, path-style, as AWS_ENDPOINT_URL_S3 says.

let h: Harness | undefined;
let s3: S3Server | undefined;
afterEach(async () => {
  killBackground();
  await h?.close();
  await s3?.close();
  h = undefined;
  s3 = undefined;
});

/** The S3 server's address and account, and a temporary folder of this test's own for the spool. */
const envOf = (h: Harness, s3: S3Server): Record<string, string> => ({ ...s3.env, TMPDIR: h.dir });

/** outcomes.csv text (BOM, header) as [contactId, status] pairs. */
function outcomePairs(text: string): string[][] {
  return text
    .replace(/^\uFEFF/, "")
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((l) => {
      const c = l.split(",");
      return [c[1] ?? "", c[3] ?? ""];
    });
}

describe("files in S3", () => {
  it("runs an object from S3 and uploads its reports to S3; a job's input pattern picks the newest object", async () => {
    h = await harness({ latencyMs: 1 });
    s3 = await startS3();
    await s3.put(
      "in/contacts.csv",
      csv([
        ["contactId", "tier", "account"],
        ["c1", "gold", "00042"],
        ["c2", "silver", "12345678901234567890"],
        ["", "x", "y"],
      ]),
    );
    const env = envOf(h, s3);
    const res = await cli(
      [
        "run",
        "s3://exports/in/contacts.csv",
        "--reports-dir",
        "s3://exports/reports",
        "--run-id",
        "from-s3",
        "--instance-id",
        "i",
        "--prefix",
        h.prefix,
        "--endpoint",
        h.endpoint,
      ],
      env,
    );
    expect(res.code, res.stderr).toBe(3); // one invalid row (no contactId)
    expect(h.sim.attributesOf("i", "c1")).toEqual({ tier: "gold", account: "00042" });
    expect(h.sim.attributesOf("i", "c2")).toEqual({ tier: "silver", account: "12345678901234567890" });
    expect(h.sim.acceptedCount()).toBe(2);
    // The reports in the bucket, and where the spool stays, said by the run.
    expect(await s3.keys("reports/")).toEqual([
      "reports/from-s3/failures.csv",
      "reports/from-s3/failures.xlsx",
      "reports/from-s3/outcomes.csv",
      "reports/from-s3/report.html",
      "reports/from-s3/summary.json",
    ]);
    expect(outcomePairs(await s3.get("reports/from-s3/outcomes.csv"))).toEqual([
      ["c1", "updated"],
      ["c2", "updated"],
      ["", "invalid"],
    ]);
    const summary = JSON.parse(await s3.get("reports/from-s3/summary.json")) as { input: string; counts: Record<string, number> };
    expect(summary.input).toBe("s3://exports/in/contacts.csv");
    expect(summary.counts).toMatchObject({ updated: 2, invalid: 1 });
    expect(res.stdout).toContain("reports in s3://exports/reports/from-s3/");
    expect(res.stdout).toContain(`the spool stays at `);
    expect(res.stdout).toContain(join(h.dir, "connect-backfill-reports", "exports", "reports", "from-s3", ".outcomes.spool"));

    // `report` rewrites from the spool on this host and uploads again, saying where both are.
    const rep = await cli(["report", "from-s3", "--reports-dir", "s3://exports/reports", "--prefix", h.prefix], env);
    expect(rep.code, rep.stderr).toBe(3);
    expect(rep.stdout).toMatch(/reports in s3:\/\/exports\/reports\/from-s3\/ \(written first in .*; the spool stays at .*\.outcomes\.spool\)/);

    // A job: its input a key pattern (the newest match), its reports in the bucket.
    await s3.put(
      "nightly/export-2026-12-01.csv",
      csv([
        ["contactId", "night"],
        ["c1", "first"],
      ]),
    );
    await new Promise((r) => setTimeout(r, 1100)); // S3's LastModified has whole seconds
    await s3.put(
      "nightly/export-2026-12-02.csv",
      csv([
        ["contactId", "night"],
        ["c1", "second"],
      ]),
    );
    await s3.put(
      "nightly/other.csv",
      csv([
        ["contactId", "night"],
        ["c1", "wrong"],
      ]),
    );
    const job = join(h.dir, "nightly.json");
    await writeFile(
      job,
      JSON.stringify({ name: "nightly", input: "s3://exports/nightly/export-*.csv", instanceId: "i", endpoint: h.endpoint, reportsDir: "s3://exports/job-reports" }),
    );
    const jr = await cli(["run", job, "--prefix", h.prefix, "--run-id", "night-2", "--quiet"], env);
    expect(jr.code, jr.stderr).toBe(0);
    expect(jr.stderr).toContain("export-*.csv matched 2 objects; using the newest, s3://exports/nightly/export-2026-12-02.csv");
    expect(h.sim.attributesOf("i", "c1")?.night).toBe("second");
    expect(await s3.keys("job-reports/night-2/")).toContain("job-reports/night-2/outcomes.csv");
  }, 120_000);

  it("a run killed mid-object resumes with the same command: every row applied and reported once", async () => {
    h = await harness({ latencyMs: 2 });
    s3 = await startS3();
    const total = 2000;
    await s3.put("big.csv", rows(total, "k"));
    const env = envOf(h, s3);
    const args = [
      "run",
      "s3://exports/big.csv",
      "--run-id",
      "killed",
      "--instance-id",
      "i",
      "--prefix",
      h.prefix,
      "--endpoint",
      h.endpoint,
      "--reports-dir",
      "s3://exports/reports",
      "--rate",
      "500",
      "--queue-window",
      "300",
      "--chunk-size",
      "50",
      "--lock-duration",
      "1500",
      "--quiet",
    ];
    const first = startCli(args, env);
    const sim = h.sim;
    await until(() => sim.updates().length >= 300, 30_000);
    first.child.kill("SIGKILL");
    await first.exited;
    const ctx = await h.ctx();
    const mid = await ctx.store.progress("killed");
    expect(mid?.producerDone).toBe(false); // killed mid-file
    const again = await cli(args, env);
    expect(again.code, again.stderr).toBe(0);
    const out = outcomePairs(await s3.get("reports/killed/outcomes.csv"));
    expect(out).toHaveLength(total);
    expect(new Set(out.map(([c]) => c)).size).toBe(total);
    expect(out.every(([, s]) => s === "updated")).toBe(true);
    for (let i = 0; i < total; i++) expect(sim.attributesOf("i", `k${i}`)?.v).toBe(String(i));
  }, 150_000);

  it("an object replaced under a run is refused like a changed file; a missing one is one sentence", async () => {
    h = await harness({ latencyMs: 1 });
    s3 = await startS3();
    await s3.put(
      "nightly.csv",
      csv([
        ["contactId", "v"],
        ["c1", "a"],
      ]),
    );
    const env = envOf(h, s3);
    const args = [
      "run",
      "s3://exports/nightly.csv",
      "--run-id",
      "same",
      "--instance-id",
      "i",
      "--prefix",
      h.prefix,
      "--endpoint",
      h.endpoint,
      "--reports-dir",
      join(h.dir, "reports"),
      "--quiet",
    ];
    expect((await cli(args, env)).code).toBe(0);
    await s3.put(
      "nightly.csv",
      csv([
        ["contactId", "v"],
        ["c1", "b"],
        ["c2", "b"],
      ]),
    );
    const res = await cli(args, env);
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toMatch(
      /^connect-backfill: run same was queued from s3:\/\/exports\/nightly\.csv when it held other content \(17 bytes then, 22 now\); give a new --run-id/,
    );
    expect(h.sim.attributesOf("i", "c2")).toBeUndefined();
    expect(h.sim.attributesOf("i", "c1")).toEqual({ v: "a" });

    const missing = await cli(["run", "s3://exports/nope.csv", "--instance-id", "i", "--prefix", h.prefix, "--endpoint", h.endpoint, "--quiet"], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe("connect-backfill: s3://exports/nope.csv: cannot read it (no such object).");
  }, 120_000);
});
