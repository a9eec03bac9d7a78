import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cli, csv, harness, REDIS_URL, type Harness } from "./helpers.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function common(x: Harness): string[] {
  return ["--prefix", x.prefix, "--endpoint", x.endpoint, "--reports-dir", join(x.dir, "reports"), "--log-level", "warn"];
}

describe("command line", () => {
  it("run: exit 0 when every row is updated or skipped, with a printed summary", async () => {
    h = await harness();
    const file = await h.file(
      "ok.csv",
      csv([
        ["contactId", "initiationTimestamp", "tier"],
        ["a", "", "gold"],
        ["b", "2017-01-01", "x"],
      ]),
    );
    const res = await cli(["run", file, "--instance-id", "i1", "--run-id", "ok-run", ...common(h)]);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/run ok-run: 2 rows, finished/);
    expect(res.stdout).toMatch(/updated\s+1/);
    expect(res.stdout).toMatch(/skipped_pre_api\s+1/);
    const dir = join(h.dir, "reports", "ok-run");
    expect((await stat(join(dir, "outcomes.csv"))).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
  });

  it("run: exit 3 with invalid and failed rows; failures.csv neutralises formulas and feeds back", async () => {
    h = await harness();
    const file = await h.file(
      "mixed.csv",
      csv([
        ["contactId", "note", "#mine"],
        ["missing-1", "=1+2", "keep me"],
        ["", "x", ""],
        ["good", "@SUM(A1)", ""],
      ]),
    );
    const res = await cli(["run", file, "--instance-id", "i1", "--run-id", "mixed", ...common(h)]);
    expect(res.code).toBe(3);
    const failures = await readFile(join(h.dir, "reports", "mixed", "failures.csv"), "utf8");
    const lines = failures
      .replace(/^\uFEFF/, "")
      .trim()
      .split("\r\n");
    expect(lines[0]).toBe("contactId,note,#mine,#line,#status,#errorCode,#message,#raw");
    expect(lines[1]).toMatch(/^missing-1,'=1\+2,keep me,2,failed,ResourceNotFoundException,/);
    expect(lines[2]).toMatch(/^,x,,3,invalid,MissingContactId,/);
    expect(lines).toHaveLength(3);
    // The value went out as written, not neutralised.
    expect(h.sim.attributesOf("i1", "good")).toEqual({ note: "@SUM(A1)" });

    // Feed the file back after "fixing" the unknown contact: the #columns are ignored, the formula is restored.
    h.sim.addContact({ instanceId: "i1", contactId: "missing-1", initiationTimestamp: new Date() });
    const fixed = join(h.dir, "fixed.csv");
    // The person fills in the missing contact id in their spreadsheet.
    await writeFile(fixed, `\uFEFF${[lines[0], lines[1], `new-2${lines[2]}`].join("\r\n")}\r\n`);
    const again = await cli(["run", fixed, "--instance-id", "i1", "--run-id", "mixed-fix", ...common(h)]);
    expect(again.stderr).toBe("");
    expect(again.code).toBe(0);
    expect(h.sim.attributesOf("i1", "new-2")).toEqual({ note: "x" });
    expect(h.sim.attributesOf("i1", "missing-1")).toEqual({ note: "=1+2" });
  });

  it("enqueue twice with one run id adds nothing; work --exit-when-idle drains it; status and report", async () => {
    h = await harness();
    const lines = [["contactId", "v"]];
    for (let i = 0; i < 25; i++) lines.push([`c${i}`, String(i)]);
    const file = await h.file("q.csv", csv(lines));
    const args = ["--instance-id", "i1", "--run-id", "q-run", "--chunk-size", "10", "--prefix", h.prefix, "--endpoint", h.endpoint];
    const first = await cli(["enqueue", file, ...args]);
    expect(first.code).toBe(0);
    expect(first.stdout.trim()).toBe("q-run");
    const second = await cli(["enqueue", file, ...args]);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/already queued, nothing added/);

    const before = await cli(["status", "q-run", "--json", "--prefix", h.prefix]);
    expect(JSON.parse(before.stdout)).toMatchObject({ runId: "q-run", total: 25, counts: { pending: 25, updated: 0 } });

    const work = await cli(["work", "--exit-when-idle", "--rate", "200", "--prefix", h.prefix, "--endpoint", h.endpoint]);
    expect(work.stderr).not.toMatch(/"level":[5-6]0/); // no error logs
    expect(work.code).toBe(0);
    expect(h.sim.updates()).toHaveLength(25); // each row once, though enqueued twice

    const after = await cli(["status", "q-run", "--json", "--prefix", h.prefix]);
    const s = JSON.parse(after.stdout);
    expect(s).toMatchObject({ runId: "q-run", total: 25, counts: { updated: 25, pending: 0, failed: 0, invalid: 0, skipped_pre_api: 0 }, eta: 0 });
    expect(Object.keys(s).sort()).toEqual(
      [
        "abandonedChunks",
        "counts",
        "createdAt",
        "eta",
        "failedChunks",
        "governorRate",
        "governorScope",
        "heldChunks",
        "input",
        "lastOutcomeAt",
        "operation",
        "parentRunId",
        "rate",
        "runId",
        "startedAt",
        "state",
        "stopReason",
        "throttledShare",
        "total",
      ].sort(),
    );
    // A finished run: no chunk held by a worker, none left behind by a dead one (and so no noWorker sentence).
    expect(s).toMatchObject({
      state: "finished",
      input: file,
      parentRunId: null,
      stopReason: null,
      heldChunks: 0,
      abandonedChunks: 0,
      governorScope: `us-east-1@${new URL(h.endpoint).host}`,
    });

    const report = await cli(["report", "q-run", "--prefix", h.prefix, "--reports-dir", join(h.dir, "reports")]);
    expect(report.code).toBe(0);
    expect(report.stdout).toMatch(/updated\s+25/);
    const outcomes = await readFile(join(h.dir, "reports", "q-run", "outcomes.csv"), "utf8");
    expect(outcomes.trim().split("\r\n")).toHaveLength(26);
  });

  it.each([
    [["run"], 2, /usage: connect-backfill run <file \| job\.json \[file\]>/],
    [["run", "x.csv", "--bogus"], 2, /unknown option --bogus/],
    [["run", "x.csv", "--rate", "-1"], 2, /--rate must be a positive number, got -1/],
    [["run", "x.csv", "--rate", "fast"], 2, /--rate must be a number, got "fast"/],
    [["run", "x.csv", "--min-contact-date", "yesterday"], 2, /--min-contact-date must be an ISO-8601 date/],
    [["run", "x.csv", "--run-id", "a:b"], 2, /--run-id must be/],
    [["frobnicate"], 2, /unknown command "frobnicate"/],
    [["run", "/nonexistent/file.csv"], 1, /\/nonexistent\/file.csv: no such file\./],
    // A missing file is said as such before its extension is judged; an existing one of an unknown kind is named.
    [["run", "notes.json"], 1, /notes\.json: no such file\./],
    [["run", "README.md"], 1, /cannot tell the format from the extension ".md"/],
  ])("%j exits %i with one clear sentence", async (args, code, message) => {
    const res = await cli(args as string[]);
    expect(res.code).toBe(code);
    expect(res.stderr).toMatch(message);
    expect(res.stderr.trim().split("\n")).toHaveLength(1);
    expect(res.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it.each([
    ["nocontact.csv", "name,tier\nx,y\n", /no contactId \(or initialContactId\) column/],
    ["dup.csv", "contactId,tier,tier\nx,y,z\n", /names column "tier" twice/],
    ["empty.csv", "", /the file is empty/],
    ["bom-only.csv", "\uFEFF", /the file is empty/],
  ])("file-level problem in %s exits 1 without touching Redis", async (name, content, message) => {
    h = await harness();
    const file = await h.file(name, content);
    const res = await cli(["run", file, "--instance-id", "i", ...common(h)]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(message);
    expect(res.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("runs with a hash-tagged prefix (Redis Cluster / MemoryDB): every key in one slot", async () => {
    h = await harness();
    const tagged = `{${h.prefix}}`;
    const file = await h.file("tag.csv", "contactId,v\na,1\nb,2\n");
    const res = await cli([
      "run",
      file,
      "--instance-id",
      "i",
      "--run-id",
      "tag",
      "--prefix",
      tagged,
      "--endpoint",
      h.endpoint,
      "--reports-dir",
      join(h.dir, "reports"),
      "--log-level",
      "warn",
    ]);
    expect(res.code).toBe(0);
    const { Redis } = await import("ioredis");
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${tagged}:*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => k.startsWith(`${tagged}:`))).toBe(true);
    await redis.del(...keys);
    await redis.quit();
  });

  it("says so in one sentence when Redis does not answer", async () => {
    h = await harness();
    const file = await h.file("a.csv", "contactId,v\na,1\n");
    const res = await cli(["run", file, "--instance-id", "i", "--redis-url", "redis://:hunter2@127.0.0.1:1", "--log-level", "warn"]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/Cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1/);
    expect(res.stderr).not.toContain("hunter2");
  });
});
