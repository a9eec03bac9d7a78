// The first keystroke (issue 25): each command loads what it needs when it needs it. --version, help and a
// usage error load no Redis client, BullMQ, AWS SDK, web server or metrics library; `status` loads Redis but not
// BullMQ, the SDK or a server. Read from the modules the real CLI process loaded (ESM resolutions and CommonJS
// requires), not from timings: the time itself is measured by `npm run bench -- start`.
import { describe, expect, it } from "vitest";
import { cliLoading } from "../integration/loadedPackages.js";

const HEAVY = ["bullmq", "ioredis", "@aws-sdk", "express", "prom-client", "@bull-board", "pino", "csv-parse"];

function loaded(args: string[]) {
  return cliLoading(args, { CONNECT_BACKFILL_PREFIX: `cb-keystroke-${process.pid}` }).then(({ code, packages }) => ({ packages, status: code }));
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
  ] as const)("%s: no Redis, BullMQ, SDK, server, logger or reader", async (_name, args, exit) => {
    const { packages, status } = await loaded([...args]);
    expect(status).toBe(exit);
    expect(heavyIn(packages)).toEqual([]);
  });

  it("status <run>: Redis and the logger, but no BullMQ, SDK or server", async () => {
    const { packages, status } = await loaded(["status", "no-such-run"]);
    expect(status).toBe(1); // no such run: said in one sentence
    expect(packages).toContain("ioredis");
    expect(heavyIn(packages).filter((p) => p !== "ioredis" && p !== "pino" && p !== "@ioredis/commands")).toEqual([]);
  });
});
