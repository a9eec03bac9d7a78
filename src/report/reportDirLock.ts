import { readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { BackfillError } from "../lib/errors.js";
import { ensureDir } from "./ensureDir.js";

/** Locks held by this process, by path: `run` follows and then writes the same run's reports. */
const held = new Map<string, number>();
/** The holder touches its lock this often; a lock untouched for STALE_MS is a dead holder's (whatever the host). */
const HEARTBEAT_MS = 10_000;
export const STALE_MS = 60_000;
const beats = new Map<string, NodeJS.Timeout>();

/** Another live process writes this run's reports (a `run` or `report --follow`). */
export class ReportDirLockedError extends BackfillError {
  override readonly name = "ReportDirLockedError";
  static readonly code = "reports-locked";
  readonly code = ReportDirLockedError.code;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * One writer per run's report folder at a time: two writers draining Redis into
 * the same spool, or renaming report files over each other, would mix their work.
 * A lock file names its holder; one left by a process that is gone (same host) is
 * taken over. Waits up to `waitMs` for a live holder, then says who holds it.
 * Returns the release function.
 */
export async function lockReportDir(dir: string, waitMs = 60_000): Promise<() => void> {
  const path = join(resolve(dir), ".lock");
  const count = held.get(path) ?? 0;
  const release = () => {
    const n = (held.get(path) ?? 1) - 1;
    if (n > 0) {
      held.set(path, n);
      return;
    }
    held.delete(path);
    clearInterval(beats.get(path));
    beats.delete(path);
    try {
      unlinkSync(path);
    } catch {
      // already gone: nothing to release
    }
  };
  if (count > 0) {
    held.set(path, count + 1);
    return release;
  }
  await ensureDir(dir);
  const me = `${process.pid} ${hostname()}`;
  const end = Date.now() + waitMs;
  for (;;) {
    try {
      writeFileSync(path, `${me}\n`, { flag: "wx", mode: 0o600 });
      held.set(path, 1);
      // Alive and well: other hosts (sharing the folder) tell a live holder from a dead one by this.
      const beat = setInterval(() => {
        try {
          const now = new Date();
          utimesSync(path, now, now);
        } catch {
          // released or taken over: nothing to touch
        }
      }, HEARTBEAT_MS);
      beat.unref();
      beats.set(path, beat);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    let holder = "";
    let touched = 0;
    try {
      holder = readFileSync(path, "utf8").trim();
      touched = statSync(path).mtimeMs;
    } catch {
      continue; // released between the two calls
    }
    const [pid, host] = holder.split(" ");
    // Dead: gone on this host; or "us" while we hold nothing (a container restarted as the same PID 1);
    // or untouched for a minute (a holder on another host that died).
    const here = host === hostname() && pid !== undefined;
    const dead = (here && (Number(pid) === process.pid || !alive(Number(pid)))) || Date.now() - touched > STALE_MS;
    if (dead) {
      // Taken over by a rename, which only one waiter can win; the others find the lock gone and try again.
      const aside = `${path}.stale.${process.pid}.${Date.now()}`;
      try {
        renameSync(path, aside);
        // Another waiter may have taken it over and made a fresh lock between our read and our rename: give it back.
        if (readFileSync(aside, "utf8").trim() !== holder || statSync(aside).mtimeMs !== touched) renameSync(aside, path);
        else unlinkSync(aside);
      } catch {
        // another waiter took it over first
      }
      continue;
    }
    if (Date.now() >= end) {
      throw new ReportDirLockedError(
        `the reports in ${dir} are being written by process ${pid ?? "?"} on ${host ?? "?"} (a "run" or "report --follow"); they are written when it ends, or, if that process is gone, delete ${path}.`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
