// The first keystroke (issue 25): each command loads what it needs when it needs it. --version, help and a
// usage error load no Redis client, BullMQ, AWS SDK, web server or metrics library; `status` loads Redis but not
// BullMQ, the SDK or a server. Read from the modules the real CLI process loaded (ESM resolutions and CommonJS
// requires), not from timings: the time itself is measured by `npm run bench -- start`.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = new URL("../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "cb-keystroke-"));
const hook = join(dir, "hook.mjs");
writeFileSync(
  hook,
  `import { register, createRequire } from "node:module";
import { appendFileSync } from "node:fs";
const out = process.env.CB_LOADED;
register("data:text/javascript," + encodeURIComponent(\`import { appendFileSync } from "node:fs";
export async function resolve(s, c, next) { const r = await next(s, c); if (r.url.startsWith("file:")) appendFileSync(\${JSON.stringify(out)}, r.url + "\\\\n"); return r; }\`));
const require = createRequire(import.meta.url);
process.on("exit", () => appendFileSync(out, Object.keys(require.cache).join("\\n") + "\\n"));
`,
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEAVY = ["bullmq", "ioredis", "@aws-sdk", "express", "prom-client", "@bull-board", "pino", "csv-parse"];

function loaded(args: string[], n: number): { packages: string[]; status: number | null } {
  const out = join(dir, `loaded-${n}.txt`);
  writeFileSync(out, "");
  const r = spawnSync(process.execPath, ["--import", hook, join(ROOT, "bin/connect-backfill.js"), ...args], {
    env: { ...process.env, CB_LOADED: out, CONNECT_BACKFILL_PREFIX: `cb-keystroke-${process.pid}` },
    encoding: "utf8",
    timeout: 30_000,
  });
  const packages = new Set<string>();
  for (const line of readFileSync(out, "utf8").split("\n")) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(line);
    if (m) packages.add(m[1] as string);
  }
  return { packages: [...packages].sort(), status: r.status };
}
const heavyIn = (packages: string[]) => packages.filter((p) => HEAVY.some((h) => p === h || p.startsWith(`${h}/`)));

describe("the first keystroke loads only what its command needs", () => {
  it.each([
    ["--version", ["--version"], 0],
    ["help", ["help"], 0],
    ["help run", ["help", "run"], 0],
    ["run --help", ["run", "--help"], 0],
    ["an unknown command", ["bogus"], 2],
    ["an unknown option", ["run", "--bogus"], 2],
    ["a missing argument", ["status", "a", "b"], 2],
  ] as const)("%s: no Redis, BullMQ, SDK, server, logger or reader", (_name, args, exit) => {
    const { packages, status } = loaded([...args], args.length + args.join("").length);
    expect(status).toBe(exit);
    expect(heavyIn(packages)).toEqual([]);
  });

  it("status <run>: Redis and the logger, but no BullMQ, SDK or server", () => {
    const { packages, status } = loaded(["status", "no-such-run"], 99);
    expect(status).toBe(1); // no such run: said in one sentence
    expect(packages).toContain("ioredis");
    expect(heavyIn(packages).filter((p) => p !== "ioredis" && p !== "pino" && p !== "@ioredis/commands")).toEqual([]);
  });
});
