import { spawn, spawnSync } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cli, csv, harness, readReport, REDIS_URL, ROOT, type Harness } from "./helpers.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function common(x: Harness): string[] {
  return ["--prefix", x.prefix, "--endpoint", x.endpoint, "--reports-dir", join(x.dir, "reports")];
}

async function outcomeRows(x: Harness, runId: string): Promise<string[][]> {
  const text = await readFile(join(x.dir, "reports", runId, "outcomes.csv"), "utf8");
  return text
    .replace(/^\uFEFF/, "")
    .trim()
    .split("\r\n")
    .slice(1)
    .map((l) => l.split(","));
}

const CHROMIUM = ["chromium", "chromium-browser", "google-chrome"].find((c) => spawnSync("sh", ["-c", `command -v ${c}`]).status === 0);

describe("failure review", () => {
  it("retry: a new run of the retryable failed rows, linked to its parent; --include-permanent adds the rest", async () => {
    h = await harness();
    h.sim.injectFaults("flaky", [503, 503, 503]);
    h.sim.injectFaults("busy", [429, 429, 429]);
    const file = await h.file(
      "first.csv",
      csv([
        ["contactId", "note"],
        ["ok", "a"],
        ["flaky", "b"],
        ["missing-1", "c"],
        ["busy", "d"],
      ]),
    );
    const first = await cli([
      "run",
      file,
      "--instance-id",
      "i",
      "--run-id",
      "parent",
      "--max-attempts",
      "2",
      "--max-tries",
      "2",
      "--log-level",
      "warn",
      ...common(h),
    ]);
    expect(first.code).toBe(3);
    const before = await outcomeRows(h, "parent");
    expect(before.map((r) => [r[1], r[3], r[4]])).toEqual([
      ["ok", "updated", ""],
      ["flaky", "failed", "HTTP503"],
      ["missing-1", "failed", "ResourceNotFoundException"],
      ["busy", "failed", "Throttled"],
    ]);
    // The simulator's 503s are a gateway's HTML page: said as such, not as the SDK's parser complaint.
    expect(before[1]?.[6]).toBe("line 3: HTTP 503 from the endpoint (the body was not JSON) (gave up after 2 transient errors)");

    const retry = await cli(["retry", "parent", "--run-id", "child", "--log-level", "warn", ...common(h)]);
    expect(retry.stderr).toBe("");
    expect(retry.code).toBe(0);
    expect(retry.stdout).toMatch(/run child \(retry of parent\): 2 rows/);
    const child = await outcomeRows(h, "child");
    // Lines still point into the original file.
    expect(child.map((r) => [r[0], r[1], r[3]])).toEqual([
      ["3", "flaky", "updated"],
      ["5", "busy", "updated"],
    ]);
    const summary = JSON.parse(await readFile(join(h.dir, "reports", "child", "summary.json"), "utf8"));
    expect(summary.parentRunId).toBe("parent");
    expect(h.sim.attributesOf("i", "flaky")).toEqual({ note: "b" });

    const all = await cli(["retry", "parent", "--run-id", "child2", "--include-permanent", "--log-level", "warn", ...common(h)]);
    expect(all.code).toBe(3);
    expect((await outcomeRows(h, "child2")).map((r) => r[1])).toEqual(["flaky", "missing-1", "busy"]);

    const nothing = await cli(["retry", "child", "--log-level", "warn", ...common(h)]);
    expect(nothing.code).toBe(0);
    expect(nothing.stdout).toMatch(/nothing to retry/);
  });

  it("an invalid JSONL row's numbers come back in failures.csv as written, and its fixed file sends them as written", async () => {
    h = await harness();
    const file = await h.file(
      "numbers.jsonl",
      [
        '{"contactId":"nf1","initiationTimestamp":"bad","attributes":{"acct":12345678901234567890,"price":1.10,"e":1e2,"z":-0}}',
        '{"contactId":"nf2","attributes":{"a":1e400,"b":"keep"}}',
      ].join("\n") + "\n",
    );
    const first = await cli(["run", file, "--instance-id", "i", "--run-id", "numbers", "--quiet", ...common(h)]);
    expect(first.code).toBe(3);
    const failuresCsv = join(h.dir, "reports", "numbers", "failures.csv");
    const failures = await readReport(failuresCsv);
    // Before: 12345678901234567000, 1.1, 100 and 0 (the record's numbers went through JSON as doubles), and 1e400 an empty cell.
    expect(failures.map((f) => [f.contactId, f.initiationTimestamp, f.acct, f.price, f.e, f["#errorCode"]])).toEqual([
      ["nf1", "bad", "12345678901234567890", "1.10", "1e2", "InvalidTimestamp"],
      ["nf2", "", "", "", "", "InvalidAttributeValue"],
    ]);
    expect(failures[1]?.a).toBe("1e400");
    // The person fixes the timestamp and feeds the file back: every value reaches the contact as the export wrote it.
    const fixed = await h.file("fixed.csv", (await readFile(failuresCsv, "utf8")).replace(",bad,", ",,"));
    const second = await cli(["run", fixed, "--instance-id", "i", "--run-id", "numbers-fixed", "--quiet", ...common(h)]);
    expect(second.code).toBe(0);
    expect(h.sim.attributesOf("i", "nf1")).toEqual({ acct: "12345678901234567890", price: "1.10", e: "1e2", z: "-0" });
    // In a CSV cell 1e400 is text like any other, and is sent as written.
    expect(h.sim.attributesOf("i", "nf2")).toEqual({ a: "1e400", b: "keep" });
  });

  it("live progress on a terminal, none when not a terminal (cron)", async () => {
    h = await harness({ latencyMs: 5 });
    const lines = [["contactId", "v"]];
    for (let i = 0; i < 60; i++) lines.push([`p${i}`, String(i)]);
    const file = await h.file("progress.csv", csv(lines));
    const args = ["run", file, "--instance-id", "i", "--rate", "40", ...common(h)];
    const piped = await cli([...args, "--run-id", "piped"]);
    expect(piped.code).toBe(0);
    expect(piped.stderr).not.toContain("\x1b[2K");
    expect(piped.stderr).toMatch(/"msg":"file queued"/); // JSON logs are the record

    // `script` gives the command a pseudo-terminal, as a person's shell would.
    const cmd = [process.execPath, join(ROOT, "bin/connect-backfill.js"), ...args, "--run-id", "tty"].map((a) => `'${a}'`).join(" ");
    // Asynchronous: the simulator answering the CLI lives in this process.
    const tty = await new Promise<{ status: number | null; stdout: string }>((resolve) => {
      const child = spawn("script", ["-qec", cmd, "/dev/null"], { env: { ...process.env, REDIS_URL }, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.on("exit", (status) => resolve({ status, stdout }));
    });
    expect(tty.status).toBe(0);
    expect(tty.stdout).toContain("\r\x1b[2K");
    expect(tty.stdout).toMatch(/\d+\/60 \(\d+\.\d%\)\s+[\d.]+ rows\/s\s+ETA \S+\s+throttled \d+\s+failed 0/);
    expect(tty.stdout).toMatch(/run tty: 60 rows, finished/);
    expect(tty.stdout).not.toMatch(/"level":30/); // no JSON info logs over the progress line
  });

  it("logs never carry attribute values or credentials, even at debug level", async () => {
    h = await harness();
    const file = await h.file(
      "secret.csv",
      csv([
        ["contactId", "ssn"],
        ["missing-x", "CUSTOMER-VALUE-123"],
        ["good", "CUSTOMER-VALUE-456"],
      ]),
    );
    const res = await cli(["run", file, "--instance-id", "i", "--log-level", "debug", ...common(h)], {
      AWS_ACCESS_KEY_ID: "AKIAVERYSECRETKEY",
      AWS_SECRET_ACCESS_KEY: "secret/Value+Not/To+Leak",
    });
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/"contactId":"missing-x"/); // row-level logs are on...
    for (const s of ["CUSTOMER-VALUE", "AKIAVERYSECRETKEY", "secret/Value"]) expect(res.stderr + res.stdout).not.toContain(s);
  });

  it.runIf(CHROMIUM !== undefined)("report.html: one self-contained page a person can read in Chromium", async () => {
    h = await harness({ rate: 30, burst: 3, latencyMs: 2 });
    const lines = [["contactId", "note"]];
    for (let i = 0; i < 150; i++) lines.push([i % 25 === 0 ? `missing-${i}` : `h${i}`, i === 0 ? "<script>alert(1)</script>" : "x"]);
    const file = await h.file("html.csv", csv(lines));
    const res = await cli(["run", file, "--instance-id", "i", "--run-id", "html", "--rate", "120", "--log-level", "warn", ...common(h)]);
    expect(res.code).toBe(3);
    const page = join(h.dir, "reports", "html", "report.html");
    expect((await stat(page)).mode & 0o777).toBe(0o600);
    const html = await readFile(page, "utf8");
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/); // no script, nothing fetched
    const flags = [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--user-data-dir=${join(h.dir, "chrome")}`,
    ];
    // Chromium reads a local file: blocking this process (and its simulator) is harmless here.
    const dom = spawnSync(CHROMIUM as string, [...flags, "--dump-dom", `file://${page}`], { encoding: "utf8", timeout: 60_000 });
    expect(dom.status).toBe(0);
    const text = dom.stdout;
    expect(text).toContain("Run html");
    expect(text).toMatch(/data-status="updated">144</);
    expect(text).toMatch(/data-status="failed">6</);
    expect(text).toContain("ResourceNotFoundException");
    // The chart: green bars for successful calls and red ones for throttles.
    expect((text.match(/class="ok"/g) ?? []).length).toBeGreaterThan(2);
    expect((text.match(/class="thr"/g) ?? []).length).toBeGreaterThan(0);
    // The failed rows table lists each failed row.
    expect((text.match(/<td>missing-\d+<\/td>/g) ?? []).length).toBe(6);
    const shot = spawnSync(CHROMIUM as string, [...flags, "--window-size=1100,1400", `--screenshot=${join(h.dir, "report.png")}`, `file://${page}`], {
      timeout: 60_000,
    });
    expect(shot.status).toBe(0);
    expect((await stat(join(h.dir, "report.png"))).size).toBeGreaterThan(10_000);
  });
});
