// The image's recipe (issue 26). No Docker engine runs here, so its invariants are read from the Dockerfile:
// a build stage that compiles, a runtime stage with dist/ and production dependencies only, a non-root user,
// a compiled entrypoint, and a HEALTHCHECK that is run here for real against a worker's metrics port.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../integration/privateRedis.js";

const ROOT = new URL("../../", import.meta.url).pathname;
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

interface Instruction {
  readonly op: string;
  readonly args: string;
}
interface Stage {
  readonly base: string;
  readonly name: string | undefined;
  readonly steps: Instruction[];
}

/** Stages of a Dockerfile: continuation lines joined, comments dropped. */
function stagesOf(text: string): Stage[] {
  const lines = text
    .replace(/\\\n\s*/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, op = "", args = ""] = /^(\w+)\s+(.*)$/.exec(line) ?? [];
    if (op.toUpperCase() === "FROM") {
      const [, base = "", name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args) ?? [];
      stages.push({ base, name, steps: [] });
    } else stages.at(-1)?.steps.push({ op: op.toUpperCase(), args });
  }
  return stages;
}

const stages = stagesOf(readFileSync(join(ROOT, "Dockerfile"), "utf8"));
const runtime = stages.at(-1) as Stage;
const all = (stage: Stage, op: string) => stage.steps.filter((s) => s.op === op).map((s) => s.args);
const dockerignore = readFileSync(join(ROOT, ".dockerignore"), "utf8").split("\n").filter(Boolean);

describe("Dockerfile", () => {
  it("builds in one stage and runs from another", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const build = stages.find((s) => all(s, "RUN").some((r) => /npm run build/.test(r)));
    expect(build?.name).toBeDefined();
    expect(build).not.toBe(runtime);
    expect(all(runtime, "RUN").join("\n")).not.toMatch(/npm run build|tsc|tsx/);
  });

  it("the runtime stage has dist/ and production dependencies only: no sources, no dev dependencies", () => {
    const copies = all(runtime, "COPY");
    const fromStage = (c: string) => /--from=(\S+)/.exec(c)?.[1];
    // dist/ comes compiled from the build stage; node_modules from a stage that installed with --omit=dev.
    expect(copies.some((c) => fromStage(c) !== undefined && /\/dist\s+\.\/dist$/.test(c))).toBe(true);
    const modules = copies.find((c) => /node_modules/.test(c));
    const depsStage = stages.find((s) => s.name === (modules ? fromStage(modules) : undefined));
    expect(depsStage).toBeDefined();
    const installs = all(depsStage as Stage, "RUN").filter((r) => /npm (ci|install)/.test(r));
    expect(installs.length).toBeGreaterThan(0);
    for (const r of installs) expect(r).toMatch(/--omit=dev/);
    // Nothing of the sources or the tests reaches the runtime stage.
    for (const c of copies.filter((c) => fromStage(c) === undefined)) {
      const sources = c.split(/\s+/).slice(0, -1);
      for (const s of sources) {
        expect(s).not.toMatch(/^(\.\/)?(src|test|bench|scripts)\b|tsconfig/);
        expect(existsSync(join(ROOT, s)), `COPY ${s}: no such path`).toBe(true);
        expect(dockerignore, `COPY ${s} is in .dockerignore`).not.toContain(s.replace(/^\.\//, ""));
      }
    }
    // And the lockfile's dev dependencies would not be installed there anyway.
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    for (const compiler of ["tsx", "typescript"]) {
      expect(pkg.dependencies[compiler]).toBeUndefined();
      expect(pkg.devDependencies[compiler]).toBeDefined();
    }
  });

  it("runs as a user who is not root", () => {
    const users = all(runtime, "USER");
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
  });

  it("its entrypoint is compiled JavaScript: the bin, which runs dist/ only", () => {
    const entry = JSON.parse(all(runtime, "ENTRYPOINT").at(-1) ?? "[]") as string[];
    expect(entry).toEqual(["node", "bin/connect-backfill.js"]);
    const bin = readFileSync(join(ROOT, "bin/connect-backfill.js"), "utf8");
    expect(bin).toContain("../dist/cli/main.js");
    const code = bin
      .split("\n")
      .filter((l) => !l.trim().startsWith("//"))
      .join("\n");
    expect(code).not.toMatch(/tsx|\.ts["'`]/);
  });

  describe("its HEALTHCHECK", () => {
    const check = all(runtime, "HEALTHCHECK").at(-1) ?? "";
    const cmd = JSON.parse(/CMD\s+(\[.*\])$/.exec(check)?.[1] ?? "[]") as string[];
    const probe = (env: Record<string, string>) =>
      spawnSync(cmd[0] as string, cmd.slice(1), { env: { PATH: process.env.PATH ?? "", ...env }, timeout: 15_000 }).status;
    const workers: Array<ReturnType<typeof spawn>> = [];
    afterAll(async () => {
      for (const w of workers) w.kill("SIGKILL");
      await dropPrefix(`cb-health-${process.pid}:`);
    });

    it("is set, with a timeout, and runs node", () => {
      expect(check).toMatch(/--timeout=\d+s/);
      expect(cmd[0]).toBe("node");
    });

    it("passes while a worker serves its metrics, fails once it is gone, and passes where there is no metrics port", async () => {
      const port = await freePort();
      const worker = spawn(process.execPath, [join(ROOT, "bin/connect-backfill.js"), "work", "--prefix", `cb-health-${process.pid}`], {
        env: { ...process.env, REDIS_URL, CONNECT_BACKFILL_METRICS_PORT: String(port), AWS_REGION: "us-east-1", LOG_LEVEL: "warn" },
        stdio: "ignore",
      });
      workers.push(worker);
      let healthy: number | null = 1;
      for (let i = 0; i < 100 && healthy !== 0; i++) {
        await new Promise((r) => setTimeout(r, 200));
        healthy = probe({ CONNECT_BACKFILL_METRICS_PORT: String(port) });
      }
      expect(healthy).toBe(0);
      worker.kill("SIGKILL");
      await new Promise((r) => worker.once("exit", r));
      expect(probe({ CONNECT_BACKFILL_METRICS_PORT: String(port) })).toBe(1);
      expect(probe({})).toBe(0);
    }, 60_000);
  });
});

/** Removes what the test left under its own prefix (a run's keys, the governor's state). */
async function dropPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== "0");
  redis.disconnect();
}
