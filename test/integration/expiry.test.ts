import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cli, csv, harness, readReport, type Harness } from "./helpers.js";

// Connect keeps contacts for 24 months; an update to an older one is a 404 that costs a call.
// Such rows are `skipped_expired`: never sent, no effect on the breaker, success for the exit code.

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function monthsAgo(n: number): Date {
  const d = new Date();
  d.setUTCMonth(d.getUTCMonth() - n);
  return d;
}

async function setUp(hh: Harness): Promise<string> {
  const lines = [["contactId", "initiationTimestamp", "v"]];
  const old = monthsAgo(26);
  for (let i = 0; i < 70; i++) {
    // The simulator knows them with their real start time: sent, each would be a 404.
    hh.sim.addContact({ instanceId: "i", contactId: `old${i}`, initiationTimestamp: old });
    lines.push([`old${i}`, old.toISOString(), "x"]);
  }
  for (let i = 0; i < 50; i++) lines.push([`new${i}`, monthsAgo(1).toISOString(), "x"]);
  return hh.file("mixed-ages.csv", csv(lines));
}

describe("--max-contact-age", () => {
  it("by default (24mo) rows of contacts past retention are skipped without a call, and the run succeeds", async () => {
    h = await harness();
    const file = await setUp(h);
    const common = ["--prefix", h.prefix, "--endpoint", h.endpoint, "--reports-dir", join(h.dir, "reports")];
    // A window of 20 would trip at once if the 70 counted as failures.
    const res = await cli(["run", file, "--instance-id", "i", "--run-id", "ages", "--rate", "500", "--breaker-window", "20", ...common]);
    expect(res.stderr).not.toMatch(/circuit breaker/);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/skipped_expired +70/);
    expect(h.sim.stats().requests).toBe(50);

    const out = await readReport(join(h.dir, "reports", "ages", "outcomes.csv"));
    const expired = out.filter((o) => o.status === "skipped_expired");
    expect(expired).toHaveLength(70);
    expect(expired[0]).toMatchObject({ line: "2", errorCode: "ContactExpired", attempts: "0" });
    expect(expired[0]?.message).toMatch(/^line 2: contact started .*, more than 24 months ago \(--max-contact-age 24mo\): Connect no longer keeps it; not sent$/);
    const summary = JSON.parse(await readFile(join(h.dir, "reports", "ages", "summary.json"), "utf8"));
    expect(summary.counts).toMatchObject({ updated: 50, skipped_expired: 70, failed: 0 });
    // Not a failure: failures.csv holds no such row.
    expect(await readReport(join(h.dir, "reports", "ages", "failures.csv"))).toHaveLength(0);
    const html = await readFile(join(h.dir, "reports", "ages", "report.html"), "utf8");
    expect(html).toContain('data-status="skipped_expired">70<');
    const status = await cli(["status", "ages", "--prefix", h.prefix]);
    expect(status.stdout).toMatch(/skipped_expired 70/);
    const json = JSON.parse((await cli(["status", "ages", "--json", "--prefix", h.prefix])).stdout);
    expect(json.counts).toMatchObject({ skipped_expired: 70, skipped_pre_api: 0, updated: 50 });
  });

  it("730d works the same; 0 turns the rule off (and then the service answers 404)", async () => {
    h = await harness();
    const file = await setUp(h);
    const common = ["--prefix", h.prefix, "--endpoint", h.endpoint, "--reports-dir", join(h.dir, "reports"), "--instance-id", "i", "--rate", "500", "--quiet"];
    expect((await cli(["run", file, "--run-id", "days", "--max-contact-age", "730d", ...common])).code).toBe(0);
    expect(h.sim.stats().requests).toBe(50);
    const off = await cli(["run", file, "--run-id", "off", "--max-contact-age", "0", ...common]);
    expect(off.code).toBe(3);
    expect(h.sim.stats().requests).toBe(50 + 120);
    const out = await readReport(join(h.dir, "reports", "off", "outcomes.csv"));
    expect(out.filter((o) => o.errorCode === "ResourceNotFoundException")).toHaveLength(70);
  });

  // Years are a unit since durations have one reading (domain/duration.ts): "2y" is 24 months, not a mistake.
  it.each([
    ["24M", /--max-contact-age must be days, weeks, months or years such as 730d or 24mo, or 0 \(no limit\): "24M" is ambiguous \(M: months or minutes\?\)/],
    ["2x", /--max-contact-age must be days, weeks, months or years such as 730d or 24mo, or 0 \(no limit\): "2x" has an unknown unit "x"/],
    ["24m", /--max-contact-age 24m is 24 minutes, and a contact age is counted in days or months .*: write 24mo for 24 months/],
  ])("a bad value (%s) is a usage error naming the option", async (value, message) => {
    const res = await cli(["run", "whatever.csv", "--max-contact-age", value]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(res.stderr.trim().split("\n")).toHaveLength(1);
  });
});
