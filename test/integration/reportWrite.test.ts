import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cli, deletePrefix, REDIS_URL, ROOT, uniquePrefix } from "./helpers.js";

// A report that cannot be written (a full disk; here a file size limit, which the system refuses the same way:
// EFBIG instead of ENOSPC) is said in one sentence naming the file and how to write it again, and leaves no half
// of itself behind: the report written before stays as it was.

let dir: string | undefined;
let prefix: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  if (prefix) await deletePrefix(prefix);
  dir = prefix = undefined;
});

/** The command line under `ulimit -f` (KiB a file may hold), as a shell runs it. */
function cliLimited(kib: number, args: readonly string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const quoted = args.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
    const child = spawn("bash", ["-c", `ulimit -f ${kib}; exec '${process.execPath}' bin/connect-backfill.js ${quoted}`], {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL },
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) => resolve({ code: code ?? -1, stderr }));
  });
}

describe("a report the disk refuses", () => {
  it("names the file and the command that writes it again; no temporary file is left, the earlier report is kept", async () => {
    dir = await mkdtemp(join(tmpdir(), "cb-report-write-"));
    prefix = uniquePrefix();
    const lines = ["contactId,tier"];
    for (let i = 0; i < 20_000; i++) lines.push(`contact-${i}-aaaa-bbbb-cccc,gold`);
    const file = join(dir, "in.csv");
    await writeFile(file, `${lines.join("\n")}\n`);
    const reports = join(dir, "reports");
    const common = ["--prefix", prefix, "--reports-dir", reports, "--log-level", "warn"];
    const dry = await cli(["run", file, "--dry-run", "--instance-id", "i", "--run-id", "big", "--quiet", ...common]);
    expect(dry.code, dry.stderr).toBe(0);
    const folder = join(reports, "big");
    const before = (await stat(join(folder, "outcomes.csv"))).size;
    expect(before).toBeGreaterThan(1024 * 1024);

    // Files of at most 1 MiB: outcomes.csv (~1.5 MB) cannot be written whole.
    const refused = await cliLimited(1024, ["report", "big", ...common]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split("\n")).toEqual([
      `connect-backfill: could not write ${join(folder, "outcomes.csv")} (EFBIG: file too large, write); run big's outcomes are kept in ${join(folder, ".outcomes.spool")}: once there is room, "connect-backfill report big" writes its reports again.`,
    ]);
    expect((await readdir(folder)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect((await stat(join(folder, "outcomes.csv"))).size).toBe(before);

    // With room, the same command writes them.
    const again = await cli(["report", "big", ...common]);
    expect(again.code, again.stderr).toBe(0);
    expect((await stat(join(folder, "outcomes.csv"))).size).toBe(before);
  }, 60_000);
});
