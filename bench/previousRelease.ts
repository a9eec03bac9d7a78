// The release before a change, checked out and built beside this one, so a
// benchmark can measure "today" and "before" in the same run on the same machine.
import { execFileSync } from "node:child_process";
import { existsSync, symlinkSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./lib.js";

export interface PreviousRelease {
  readonly commit: string;
  /** Its bin/connect-backfill.js, running its own compiled dist/. */
  readonly bin: string;
  remove(): Promise<void>;
}

/**
 * A detached git worktree of `commit`, sharing this checkout's node_modules
 * (same lockfile), compiled with its own tsconfig. Undefined when there is no
 * git history (a tarball): the caller says so instead of a figure.
 */
export async function previousRelease(commit: string): Promise<PreviousRelease | undefined> {
  if (!existsSync(join(ROOT, ".git"))) return undefined;
  const dir = await mkdtemp(join(tmpdir(), "cb-prev-"));
  const tree = join(dir, "tree");
  try {
    execFileSync("git", ["-C", ROOT, "worktree", "add", "--detach", tree, commit], { stdio: "ignore" });
  } catch {
    await rm(dir, { recursive: true, force: true });
    return undefined;
  }
  symlinkSync(join(ROOT, "node_modules"), join(tree, "node_modules"), "dir");
  execFileSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", join(tree, "tsconfig.build.json")], { stdio: "inherit" });
  writeFileSync(join(tree, "dist/.buildstamp"), String(Date.now()));
  return {
    commit,
    bin: join(tree, "bin/connect-backfill.js"),
    async remove() {
      execFileSync("git", ["-C", ROOT, "worktree", "remove", "--force", tree], { stdio: "ignore" });
      await rm(dir, { recursive: true, force: true });
    },
  };
}
