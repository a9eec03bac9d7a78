// Every command shown in README.md and docs/ runs as written (issue 26): each shell block runs in a copy of the
// repository (its tracked files, with this checkout's node_modules and built dist/), against the simulator the
// block starts and the shared Redis under a key prefix of its own, and each line exits as its comment says.
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commandsOf, guides, scriptOf, shellBlocks, splitComment } from "./shellBlocks.js";

const ROOT = new URL("../../", import.meta.url).pathname;
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const blocks = guides(ROOT).flatMap((f) => shellBlocks(ROOT, f));
const toRun = blocks.filter((b) => b.notRun === undefined);
let clone: string;

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(false);
    });
    s.once("error", () => resolve(true));
  });

/** Who listens on `port` (for the failure message): another process of this machine, or a block's leftover. */
const holderOf = (port: number): string => {
  try {
    return execFileSync("ss", ["-Hltnp", `sport = :${port}`], { encoding: "utf8" }).trim() || "(ss names no listener)";
  } catch {
    return "(ss is not available)";
  }
};

/** Whether any process of the group led by `pid` still lives. */
const groupAlive = (pid: number): boolean => {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeAll(() => {
  clone = mkdtempSync(join(tmpdir(), "cb-docs-"));
  const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" }).split("\n").filter(Boolean);
  for (const f of files) {
    if (f.startsWith("node_modules")) continue;
    mkdirSync(dirname(join(clone, f)), { recursive: true });
    try {
      cpSync(join(ROOT, f), join(clone, f));
    } catch {
      /* listed but deleted in the work tree */
    }
  }
  symlinkSync(join(ROOT, "node_modules"), join(clone, "node_modules"));
  cpSync(join(ROOT, "dist"), join(clone, "dist"), { recursive: true });
});

afterAll(async () => {
  if (clone) rmSync(clone, { recursive: true, force: true });
  // The runs the blocks made, under this process's prefixes.
  const redis = new Redis(REDIS_URL);
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `cb-docs-${process.pid}-*`, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== "0");
  redis.disconnect();
});

describe("the shell blocks of the guides", () => {
  it("are found, and the few not run say why", () => {
    expect(toRun.length).toBeGreaterThanOrEqual(5);
    const skipped = blocks.filter((b) => b.notRun !== undefined);
    for (const b of skipped) expect(b.notRun, `${b.file}:${b.line}`).not.toBe("(no reason given)");
    expect(skipped.length).toBeLessThanOrEqual(6);
  });

  it("link only to files that exist", () => {
    const broken: string[] = [];
    for (const file of guides(ROOT)) {
      const text = readFileSync(join(ROOT, file), "utf8");
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const path = (target as string).split("#")[0] as string;
        if (path === "" || /^[a-z]+:/.test(path)) continue;
        if (!existsSync(join(ROOT, dirname(file), path))) broken.push(`${file}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("read a line's expected exit code from its comment, and leave quoted # alone", () => {
    expect(splitComment(`npx connect-backfill run a.csv --prefix '{cb} #x'   # exit 3: rows fail`)).toEqual([
      `npx connect-backfill run a.csv --prefix '{cb} #x'`,
      "exit 3: rows fail",
    ]);
    expect(commandsOf("a \\\n  b  # 1. what it would do (exit 4: paused)\n# only a comment\n\nc &")).toEqual([
      { command: "a  b", expect: 4 },
      { command: "c &", expect: 0 },
    ]);
  });

  it.each(toRun.map((b, i) => [`${b.file}:${b.line}`, b, i] as const))(
    "%s runs as written",
    async (_where, block, i) => {
      // Blocks run one after another and several start the simulator on 4566; each block's processes are gone
      // before the next starts (below). Another process of a loaded machine (another checkout's docs test) may
      // hold the port for a while: wait for it, bounded, and name the holder if it stays.
      for (const port of [...block.text.matchAll(/--port[ =](\d+)/g)].map((m) => Number(m[1]))) {
        for (let t = 0; t < 600 && !(await portFree(port)); t++) await new Promise((r) => setTimeout(r, 100));
        expect(await portFree(port), `port ${port} is free for ${block.file}:${block.line}; held by: ${holderOf(port)}`).toBe(true);
      }
      // A reader runs the guides one after another in one shell: what a block starts in the background, it stops
      // (else the next guide's simulator cannot take the port, and its lines talk to this one's).
      const commands = commandsOf(block.text).map((c) => c.command);
      if (commands.some((c) => c.endsWith("&"))) expect(commands.at(-1), `${block.file}:${block.line} ends with kill %1`).toMatch(/^kill %1$/);
      const script = scriptOf(block.text, join(clone, "bin/connect-backfill.js"));
      const child = spawn("bash", ["-c", script], {
        cwd: clone,
        detached: true, // its own process group: whatever the block leaves running is stopped with it
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", REDIS_URL, CONNECT_BACKFILL_PREFIX: `cb-docs-${process.pid}-${i}`, LOG_LEVEL: "warn" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
      // Stopped by the block's own `kill %1`, before anything here stops what it left: the next guide can take its port.
      // Asserted once the rest is stopped: a failing block must not leave its simulator to the blocks after it.
      const held: string[] = [];
      for (const port of [...block.text.matchAll(/--port[ =](\d+)/g)].map((m) => Number(m[1]))) {
        for (let t = 0; t < 100 && !(await portFree(port)); t++) await new Promise((r) => setTimeout(r, 100));
        if (!(await portFree(port))) held.push(`${block.file}:${block.line} leaves port ${port} held: ${holderOf(port)}`);
      }
      const group = child.pid as number;
      try {
        process.kill(-group, "SIGTERM");
      } catch {
        /* nothing left */
      }
      // What the block left running (a simulator on 4566, a worker handing back its rows) is gone before the next
      // block starts: SIGTERM first (a worker's shutdown takes up to about 32 s), then SIGKILL.
      for (let t = 0; t < 450 && groupAlive(group); t++) await new Promise((r) => setTimeout(r, 100));
      if (groupAlive(group)) process.kill(-group, "SIGKILL");
      expect(held).toEqual([]);
      const failures = out.split("\n").filter((l) => l.startsWith("DOCS:"));
      expect(failures, out.slice(-3000)).toEqual([]);
      expect(code).toBe(0);
    },
    180_000,
  );
});
