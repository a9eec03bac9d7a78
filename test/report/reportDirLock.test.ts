import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { lockReportDir } from "../../src/report/reportDirLock.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function dir(): string {
  const d = mkdtempSync(join(tmpdir(), "cb-lock-"));
  dirs.push(d);
  return join(d, "run1");
}

describe("lockReportDir", () => {
  it("names the live process that holds a run's report folder, after waiting", async () => {
    const d = dir();
    (await lockReportDir(d))(); // creates the folder
    // Held by another live process on this host (our parent).
    writeFileSync(join(d, ".lock"), `${process.ppid} ${hostname()}\n`);
    const t0 = Date.now();
    await expect(lockReportDir(d, 300)).rejects.toThrow(new RegExp(`being written by process ${process.ppid} on ${hostname()}.*delete .*\\.lock`));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
  });

  it("takes over a lock left by a process that is gone, and releases it", async () => {
    const d = dir();
    const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString();
    await lockReportDir(d).then((r) => r());
    writeFileSync(join(d, ".lock"), `${gone} ${hostname()}\n`);
    const release = await lockReportDir(d, 300);
    expect(readFileSync(join(d, ".lock"), "utf8")).toContain(`${process.pid} `);
    // Re-entrant in one process (`run` follows, then writes), released by the last holder.
    const again = await lockReportDir(d, 300);
    again();
    expect(existsSync(join(d, ".lock"))).toBe(true);
    release();
    expect(existsSync(join(d, ".lock"))).toBe(false);
  });
});

describe("lockReportDir, stale holders", () => {
  it("a lock naming this very process, which holds nothing, is stale (a container restarted as the same PID)", async () => {
    const d = dir();
    (await lockReportDir(d))();
    writeFileSync(join(d, ".lock"), `${process.pid} ${hostname()}\n`);
    const release = await lockReportDir(d, 300);
    release();
  });

  it("a lock untouched for a minute is a dead holder's, even from another host", async () => {
    const { utimesSync } = await import("node:fs");
    const { STALE_MS } = await import("../../src/report/reportDirLock.js");
    const d = dir();
    (await lockReportDir(d))();
    writeFileSync(join(d, ".lock"), "4242 some-other-host\n");
    await expect(lockReportDir(d, 200)).rejects.toThrow(/process 4242 on some-other-host/);
    const old = new Date(Date.now() - STALE_MS - 5_000);
    utimesSync(join(d, ".lock"), old, old);
    const release = await lockReportDir(d, 300);
    expect(readFileSync(join(d, ".lock"), "utf8")).toContain(`${process.pid} `);
    release();
  });
});
