import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { decodeEntry } from "../../src/domain/groupCodec.js";
import { cli, csv, harness, killBackground, readReport, startCli, targetFlags, type Harness } from "./helpers.js";

// An unchanged night's outcomes sit in Redis as groups (one stream entry a chunk: store/outcomeGroups.ts) until
// a report writer moves them to its spool. Writers SIGKILLed while they move them, at any point: every row
// still ends with exactly one outcome, in the spool and in the report, and nothing is left counted in Redis.

let h: Harness | undefined;
afterEach(async () => {
  killBackground();
  await h?.close();
  h = undefined;
});

const ROWS = 60_000;

function exportOf(n: number): string {
  const lines = [["contactId", "tier", "owner"]];
  for (let i = 0; i < n; i++) lines.push([`d${i}`, "gold", `agent${i % 7}`]);
  return csv(lines);
}

describe("report writers SIGKILLed while they move an unchanged night's grouped outcomes", () => {
  it("every row one outcome in the spool and the report, none left in Redis", async () => {
    h = await harness({ latencyMs: 1 });
    const x = h;
    const args = [...targetFlags(x), "--job-name", "drained", "--only-changed", "--chunk-size", "1000"];
    const reportsDir = join(x.dir, "reports");
    const file = await x.file("night.csv", exportOf(ROWS));
    const first = await cli(["run", file, ...args, "--reports-dir", reportsDir, "--rate", "20000", "--concurrency", "128", "--quiet", "--run-id", "d1"]);
    expect(first.code, first.stderr).toBe(0);
    // Night 2, nothing changed: the producer alone gives every row its outcome, in Redis, and no writer runs yet.
    const second = await cli(["enqueue", file, ...args, "--run-id", "d2", "--log-level", "error"]);
    expect(second.code, second.stderr).toBe(0);
    const ctx = await x.ctx();
    try {
      expect(await ctx.redis.xlen(ctx.keys.outcomes("d2"))).toBeLessThan(ROWS / 100);
      expect(await ctx.store.outcomesInRedis("d2")).toBe(ROWS);
    } finally {
      await ctx.close();
    }
    // Writers killed after staggered delays, 100 to 320 ms: before they open the spool, while they read Redis,
    // append, sync or trim (a writer here moves the night in three batches, from about 160 to 200 ms after it starts; a loaded
    // machine starts it later), or once it is done.
    for (let delayMs = 100; delayMs <= 320; delayMs += 10) {
      const writer = startCli(["report", "d2", "--prefix", x.prefix, "--reports-dir", reportsDir, "--quiet"]);
      await new Promise((r) => setTimeout(r, delayMs));
      writer.child.kill("SIGKILL");
      await writer.exited;
    }
    const last = await cli(["report", "d2", "--prefix", x.prefix, "--reports-dir", reportsDir, "--quiet"]);
    expect(last.code, last.stderr).toBe(0);

    // Each row once in the spool (a group is one line of it: domain/groupCodec.ts).
    const spool = (await readFile(join(reportsDir, "d2", ".outcomes.spool"), "utf8"))
      .split("\n")
      .filter((l) => l !== "")
      .flatMap((l) => decodeEntry(l.slice(l.indexOf("\t") + 1)));
    expect(spool).toHaveLength(ROWS);
    expect(new Set(spool.map((o) => o.line)).size).toBe(ROWS);
    const outcomes = await readReport(join(reportsDir, "d2", "outcomes.csv"));
    expect(outcomes).toHaveLength(ROWS);
    expect(new Set(outcomes.map((o) => o.line)).size).toBe(ROWS);
    expect(outcomes.every((o) => o.status === "unchanged" && o.contactId === `d${Number(o.line) - 2}`)).toBe(true);
    const summary = JSON.parse(await readFile(join(reportsDir, "d2", "summary.json"), "utf8")) as { counts?: Record<string, number> };
    expect(summary.counts?.unchanged).toBe(ROWS);
    const after = await x.ctx();
    try {
      expect(await after.store.outcomesInRedis("d2")).toBe(0);
      expect(await after.redis.xlen(after.keys.outcomes("d2"))).toBe(0);
    } finally {
      await after.close();
    }
    // Nothing was sent on night 2.
    expect(x.sim.acceptedCount()).toBe(ROWS);
  }, 180_000);
});
