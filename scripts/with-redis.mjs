#!/usr/bin/env node
// Runs a command with a Redis it can use: the one at REDIS_URL (default
// redis://127.0.0.1:6379) when it answers, otherwise a private redis-server
// started from PATH on a free port in a temporary directory, stopped afterwards.
// Plain JavaScript on purpose: it must run before anything is compiled.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const args = process.argv.slice(2);
if (args.length === 0) {
  console.error("usage: with-redis.mjs <command> [args...]");
  process.exit(2);
}

function ping(url, timeoutMs = 1000) {
  return new Promise((resolve) => {
    let u;
    try {
      u = new URL(url);
    } catch {
      resolve(false);
      return;
    }
    const socket = net.connect({ host: u.hostname || "127.0.0.1", port: Number(u.port || 6379) });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => {
      const auth = u.password ? `AUTH ${u.username ? decodeURIComponent(u.username) + " " : ""}${decodeURIComponent(u.password)}\r\n` : "";
      socket.write(`${auth}PING\r\n`);
    });
    socket.on("data", (buf) => {
      if (buf.toString().includes("PONG")) done(true);
      else if (buf.toString().startsWith("-")) done(false);
    });
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function main() {
  const wanted = process.env.REDIS_URL || "redis://127.0.0.1:6379";
  let child;
  let dir;
  const env = { ...process.env };
  if (await ping(wanted)) {
    env.REDIS_URL = wanted;
  } else {
    const which = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" });
    if (which.status !== 0) {
      console.error(
        `No Redis answers at ${wanted} and no redis-server is on PATH: install one (Debian/Ubuntu: apt-get install redis-server, macOS: brew install redis) or start the bundled one with "docker compose up -d redis".`,
      );
      process.exit(1);
    }
    const port = await freePort();
    dir = mkdtempSync(join(tmpdir(), "connect-backfill-redis-"));
    child = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction"],
      { stdio: "ignore" },
    );
    env.REDIS_URL = `redis://127.0.0.1:${port}`;
    const deadline = Date.now() + 10_000;
    while (!(await ping(env.REDIS_URL, 300))) {
      if (Date.now() > deadline || child.exitCode !== null) {
        console.error(`Could not start a private redis-server on port ${port}.`);
        process.exit(1);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    console.error(`(no Redis at ${wanted}: using a private redis-server at ${env.REDIS_URL})`);
  }

  const cleanup = () => {
    if (child && child.exitCode === null) child.kill("SIGTERM");
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  const cmd = spawn(args[0], args.slice(1), { stdio: "inherit", env, shell: process.platform === "win32" });
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => cmd.kill(sig));
  cmd.on("exit", (code, signal) => {
    cleanup();
    process.exit(code ?? (signal ? 1 : 0));
  });
  cmd.on("error", (err) => {
    console.error(`Could not start ${args[0]}: ${err.message}`);
    cleanup();
    process.exit(1);
  });
}

main();
