import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cli, csv, harness, type Harness } from "./helpers.js";

// Durations mean the same in every option (issue 28, item 7): m minutes, mo months, an ambiguous unit refused.

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("durations through the command line", () => {
  it("history --keep and prune --older-than take months as mo; M is refused; --max-contact-age 24m is refused with 24mo suggested", async () => {
    h = await harness({ latencyMs: 1 });
    const file = await h.file(
      "a.csv",
      csv([
        ["contactId", "tier"],
        ["x1", "gold"],
      ]),
    );
    const common = [
      "--instance-id",
      "i",
      "--prefix",
      h.prefix,
      "--endpoint",
      h.endpoint,
      "--region",
      "us-east-1",
      "--reports-dir",
      join(h.dir, "reports"),
      "--quiet",
    ];
    const run = await cli(["run", file, ...common, "--job-name", "units", "--run-id", "u1"]);
    expect(run.code, run.stderr).toBe(0);

    // 1mo: the entry is minutes old, kept, and the message says what the value meant.
    const keep = await cli(["history", "units", "--keep", "1mo", "--json", "--prefix", h.prefix]);
    expect(keep.code, keep.stderr).toBe(0);
    expect(keep.stderr).toMatch(/0 history entries older than 1 month removed/);
    expect((JSON.parse(keep.stdout) as unknown[]).length).toBe(1);

    const ambiguous = await cli(["history", "--keep", "1M", "--prefix", h.prefix]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr.trim()).toBe(
      'connect-backfill: --keep must be a duration such as 30d, 12h, 90m (minutes) or 6mo (months): "1M" is ambiguous (M: months or minutes?); write mo for months or m for minutes (units: s, m (minutes), h, d, w, mo (months), y)',
    );
    expect((await cli(["history", "--keep", "90", "--prefix", h.prefix])).code).toBe(2);

    const prune = await cli(["prune", "--older-than", "1mo", "--prefix", h.prefix]);
    expect(prune.code, prune.stderr).toBe(0);
    expect(prune.stdout).toBe("pruned 0 runs\n");
    expect((await cli(["prune", "--older-than", "1M", "--prefix", h.prefix])).code).toBe(2);

    const minutes = await cli(["run", file, ...common, "--max-contact-age", "24m", "--run-id", "u2"]);
    expect(minutes.code).toBe(2);
    expect(minutes.stderr).toMatch(/--max-contact-age 24m is 24 minutes, and a contact age is counted in days or months .*: write 24mo for 24 months/);
    const years = await cli(["run", file, ...common, "--max-contact-age", "2y", "--run-id", "u3"]);
    expect(years.code, years.stderr).toBe(0);
    const status = JSON.parse((await cli(["status", "u3", "--json", "--prefix", h.prefix])).stdout) as { counts: { updated: number } };
    expect(status.counts.updated).toBe(1);
  });
});
