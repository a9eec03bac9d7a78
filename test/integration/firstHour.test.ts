import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { commands } from "../../src/cli/commands/index.js";
import { undocumented } from "../../src/cli/flagHelp.js";
import { cli, csv, harness, readReport, REDIS_URL, ROOT, type Harness } from "./helpers.js";

// The first hour of a new user: small things, each expected of a serious tool.

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("first-hour papercuts", () => {
  it("a spreadsheet's trailing ,,,, rows are blank lines, not invalid rows", async () => {
    h = await harness();
    // Empty cells only: a line of spaces is a row with its outcome (docs/input.md; test/input/readCsv.test.ts).
    const file = await h.file("excel.csv", "contactId,a,b\r\nc1,x,y\r\n,,\r\n,,\r\n,,\r\n");
    const res = await cli([
      "run",
      file,
      "--instance-id",
      "i",
      "--prefix",
      h.prefix,
      "--endpoint",
      h.endpoint,
      "--reports-dir",
      join(h.dir, "reports"),
      "--run-id",
      "xl",
    ]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/\(3 blank lines in the file: no row, no outcome\)/);
    expect(await readReport(join(h.dir, "reports", "xl", "outcomes.csv"))).toHaveLength(1);
    const summary = JSON.parse(await readFile(join(h.dir, "reports", "xl", "summary.json"), "utf8"));
    expect(summary).toMatchObject({ rows: 1, blankLines: 3, counts: { updated: 1, invalid: 0 } });
  });

  it.each([
    ["csv", "contactId,a\nc1,x\n"],
    ["jsonl", '{"contactId":"c1","attributes":{"a":"x"}}\n'],
  ])("no instance id in the %s file and no --instance-id: a usage error before anything is queued", async (ext, content) => {
    h = await harness();
    const file = await h.file(`noinst.${ext}`, content);
    const res = await cli(["run", file, "--prefix", h.prefix, "--endpoint", h.endpoint, "--reports-dir", join(h.dir, "reports")]);
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split("\n")).toHaveLength(1);
    expect(res.stderr).toMatch(
      /noinst\.\w+: (the file has no instanceId column|its first object \(line 1\) has no instanceId) and no --instance-id was given; give --instance-id/,
    );
    expect((await cli(["status", "--prefix", h.prefix])).stdout.trim()).toBe("no runs on this Redis");
  });

  it("--version, help <command> and <command> --help list every flag with its default", async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8"));
    expect((await cli(["--version"])).stdout.trim()).toBe(`connect-backfill ${pkg.version}`);
    for (const [name, command] of Object.entries(commands)) {
      expect(undocumented(command.flags), `${name} has flags without a help line`).toEqual([]);
    }
    const viaHelp = await cli(["help", "run"]);
    const viaFlag = await cli(["run", "--help"]);
    expect(viaHelp.code).toBe(0);
    expect(viaFlag.stdout).toBe(viaHelp.stdout);
    for (const flag of Object.keys(commands.run?.flags ?? {})) expect(viaHelp.stdout).toContain(`--${flag}`);
    expect(viaHelp.stdout).toMatch(/--rate N +requests\/s across all workers, a ceiling \(default: the account's quota from Service Quotas, else 10\)/);
    expect(viaHelp.stdout).toMatch(/--max-contact-age AGE +.*\(default 24mo\)/);
    expect((await cli(["help", "nope"])).code).toBe(2);
  });

  it("a cron run ends with one JSON log line of its counts and exit code; retries and throttles only at debug, without values", async () => {
    h = await harness();
    h.sim.injectFaults("c1", [503]);
    h.sim.injectFaults("c2", [429]);
    const file = await h.file(
      "cron.csv",
      csv([
        ["contactId", "secret"],
        ["c1", "VALUE-ONE"],
        ["c2", "VALUE-TWO"],
      ]),
    );
    const common = ["--instance-id", "i", "--prefix", h.prefix, "--endpoint", h.endpoint, "--reports-dir", join(h.dir, "reports"), "--rate", "500"];
    const info = await cli(["run", file, "--run-id", "cron1", ...common]);
    expect(info.code).toBe(0);
    const lines = info.stderr
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const last = lines.at(-1);
    expect(last).toMatchObject({ msg: "run ended", runId: "cron1", exitCode: 0, rows: 2, counts: { updated: 2, failed: 0 } });
    expect(lines.some((l) => /retrying|throttled;/.test(String(l.msg)))).toBe(false);

    h.sim.injectFaults("c1", [503]);
    h.sim.injectFaults("c2", [429]);
    const debug = await cli(["run", file, "--run-id", "cron2", "--log-level", "debug", ...common]);
    expect(debug.stderr).toMatch(/"msg":"transient error; retrying"/);
    expect(debug.stderr).toMatch(/"msg":"throttled; the row waits for the governor"/);
    expect(debug.stderr).not.toMatch(/VALUE-ONE|VALUE-TWO/);
  });

  it("a reports folder that cannot be written is said before anything is queued", async () => {
    h = await harness();
    const file = await h.file(
      "ro.csv",
      csv([
        ["contactId", "a"],
        ["c1", "x"],
      ]),
    );
    const res = await cli(["run", file, "--instance-id", "i", "--prefix", h.prefix, "--endpoint", h.endpoint, "--reports-dir", "/proc/connect-backfill-reports"]);
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toMatch(
      /^connect-backfill: cannot write reports to \/proc\/connect-backfill-reports \(\w+\); give --reports-dir a folder this user can write \(in Docker, a mounted volume\)\.$/,
    );
    expect((await cli(["status", "--prefix", h.prefix])).stdout.trim()).toBe("no runs on this Redis");
    expect(h.sim.stats().requests).toBe(0);
  });

  it("the Docker image gives its user a reports folder (a volume) to write", async () => {
    // No Docker engine on the test machines: the image's recipe is checked instead, and the
    // up-front check above is what a container with a read-only folder meets.
    const dockerfile = await readFile(join(ROOT, "Dockerfile"), "utf8");
    expect(dockerfile).toMatch(/RUN mkdir -p \/app\/reports && chown node:node \/app\/reports\nVOLUME \["\/app\/reports"\]\nUSER node/);
    const compose = await readFile(join(ROOT, "docker-compose.yml"), "utf8");
    expect(compose).toMatch(/- reports:\/app\/reports/);
  });

  it("--delimiter ; reads European Excel files; - reads standard input", async () => {
    h = await harness();
    const file = await h.file("eu.csv", "contactId;a;b\nc1;x,1;y\n");
    const common = ["--instance-id", "i", "--prefix", h.prefix, "--endpoint", h.endpoint, "--reports-dir", join(h.dir, "reports"), "--quiet"];
    expect((await cli(["run", file, "--delimiter", ";", "--run-id", "eu", ...common])).code).toBe(0);
    expect(h.sim.attributesOf("i", "c1")).toEqual({ a: "x,1", b: "y" });
    expect((await cli(["run", file, "--delimiter", "ab", "--run-id", "bad", ...common])).stderr).toMatch(
      /--delimiter must be one ASCII character such as ";" or "\|" \(or "tab"\), not a quote or a line end, got "ab"/,
    );

    const piped = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [join(ROOT, "bin/connect-backfill.js"), "run", "-", "--format", "jsonl", "--run-id", "piped", ...common], {
        cwd: ROOT,
        env: { ...process.env, REDIS_URL },
      });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("exit", (code) => resolve({ code, stderr }));
      child.stdin.end('{"contactId":"c2","attributes":{"a":"from-stdin"}}\n');
    });
    expect(piped.code).toBe(0);
    expect(h.sim.attributesOf("i", "c2")).toEqual({ a: "from-stdin" });
    const noFormat = await cli(["enqueue", "-", "--instance-id", "i", "--prefix", h.prefix]);
    expect(noFormat.code).toBe(1);
    expect(noFormat.stderr).toMatch(/standard input has no file name to tell the format by; pass --format csv or --format jsonl/);
  });
});
