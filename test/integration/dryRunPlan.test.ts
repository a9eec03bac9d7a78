import { existsSync, readdirSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { keysFor } from "../../src/store/keys.js";
import { cli, csv, harness, readReport, rows, type Harness } from "./helpers.js";
import { cliLoading } from "./loadedPackages.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/**
 * 1,200 rows in chunks of 100: 200 contacts have a second row ten chunks later (a predecessor in another
 * chunk), one of them a third in the chunk right after its second (the dry run plans the chunks of a batch
 * together, but not a chunk whose rows wait for the one before it), two pairs sit side by side (folded into
 * one call), 13 rows started before the API, two are invalid.
 */
function file(): string {
  const lines: string[][] = [["contactId", "initiationTimestamp", "tier"]];
  for (let i = 0; i < 1_200; i++) {
    const contact = i === 551 ? "k550" : i === 851 ? "k850" : i === 1_150 ? "k49" : `k${i % 1_000}`;
    const started = i % 97 === 5 ? "2017-01-01T00:00:00Z" : "";
    lines.push([i === 300 || i === 1_100 ? "" : contact, started, `t${i}`]);
  }
  return csv(lines);
}

describe("--dry-run plans what the run does", () => {
  it("the same outcome per line as the real run (would_update where it updates) and as many calls as it sends; its rows never pass through Redis's outcome stream", async () => {
    h = await harness({ latencyMs: 1 });
    const input = await h.file("plan.csv", file());
    const common = ["--instance-id", "i", "--prefix", h.prefix, "--endpoint", h.endpoint, "--reports-dir", join(h.dir, "reports"), "--chunk-size", "100", "--quiet"];
    const dry = await cliLoading(["run", input, ...common, "--dry-run", "--run-id", "dry"]);
    expect(dry.code, dry.stderr).toBe(3); // two invalid rows
    expect(h.sim.stats().requests).toBe(0);
    // Its chunks are planned in this process: no queue, so BullMQ is never loaded.
    expect(dry.packages).not.toContain("bullmq");
    // Only the producer's outcomes (the invalid rows) went through the stream; the chunks' went straight to the spool.
    const ctx = await h.ctx();
    const info = (await ctx.redis.call("XINFO", "STREAM", keysFor(h.prefix).outcomes("dry"))) as unknown[];
    expect(info[info.indexOf("entries-added") + 1]).toBe(2);

    const real = await cli(["run", input, ...common, "--run-id", "real", "--rate", "2000", "--concurrency", "16"]);
    expect(real.code, real.stderr).toBe(3);
    const reports = join(h.dir, "reports");
    const planned = await readReport(join(reports, "dry", "outcomes.csv"));
    const done = await readReport(join(reports, "real", "outcomes.csv"));
    expect(planned.length).toBe(1_200);
    expect(planned.map((o) => `${o.line}:${o.contactId}:${o.status === "would_update" ? "updated" : o.status}:${o.errorCode}`)).toEqual(
      done.map((o) => `${o.line}:${o.contactId}:${o.status}:${o.errorCode}`),
    );
    const counts = (rows: Array<Record<string, string>>) => {
      const n: Record<string, number> = {};
      for (const o of rows) n[o.status as string] = (n[o.status as string] ?? 0) + 1;
      return n;
    };
    expect(counts(planned)).toEqual({ would_update: 1_185, skipped_pre_api: 13, invalid: 2 });
    const summary = JSON.parse(await readFile(join(reports, "dry", "summary.json"), "utf8"));
    expect(summary.counts).toMatchObject({ would_update: 1_185, skipped_pre_api: 13, invalid: 2 });
    expect(summary.complete).toBe(true);
    // The plan's calls are the calls the run sent: two pairs folded, the contacts continued in a later chunk not.
    expect(summary.dryRun.calls).toBe(1_183);
    expect(h.sim.acceptedCount()).toBe(1_183);
    expect(planned.find((o) => o.line === "552")?.message).toBe("line 552: would be sent in one call with line 553 of the same contact");

    // Redis holds the dry run's counters as a run's (status reads them), and `report` writes the same files again.
    const st = await cli(["status", "dry", "--prefix", h.prefix]);
    expect(st.stdout).toMatch(/would_update 1185/);
    const before = await readFile(join(reports, "dry", "outcomes.csv"), "utf8");
    const again = await cli(["report", "dry", "--prefix", h.prefix, "--reports-dir", reports, "--quiet"]);
    expect(again.code, again.stderr).toBe(3);
    expect(await readFile(join(reports, "dry", "outcomes.csv"), "utf8")).toBe(before);
  });

  it("stopped while its chunks are planned (SIGTERM): one sentence, the run cancelled with why, nothing sent and nothing staged left", async () => {
    h = await harness({ latencyMs: 1 });
    const input = await h.file("big.csv", rows(400_000, "c"));
    const reports = join(h.dir, "reports");
    const common = ["--instance-id", "i", "--prefix", h.prefix, "--endpoint", h.endpoint, "--reports-dir", reports, "--quiet"];
    // Signalled once its chunks are being planned and its report's workbook is staged, with most of the file still to plan.
    const folder = join(reports, "dry-stopped");
    const staged = () => existsSync(folder) && readdirSync(folder).some((f) => f.startsWith("failures.xlsx.") && f.endsWith(".tmp"));
    const stopped = await cli(
      ["run", input, ...common, "--dry-run", "--run-id", "dry-stopped"],
      {},
      { signalWhen: () => existsSync(join(folder, ".outcomes.spool")) && staged() },
    );
    expect(stopped.code, stopped.stderr).toBe(1);
    expect(stopped.stderr).toContain("dry run dry-stopped interrupted; nothing was sent.");
    expect(stopped.stderr).not.toMatch(/\n\s+at /);
    const ctx = await h.ctx();
    expect(await ctx.store.state("dry-stopped")).toMatchObject({ state: "cancelled", stopReason: "the dry run was interrupted" });
    expect(h.sim.stats().requests).toBe(0);
    expect((await readdir(folder)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  }, 120_000);
});
