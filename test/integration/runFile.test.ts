import { readFile } from "node:fs/promises";
import { exitCodeOf } from "../../src/cli/exitCodes.js";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runFile } from "../../src/app/runFile.js";
import { csv, harness, readReport, type Harness } from "./helpers.js";

const INSTANCE = "inst-1";
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const outcomesOf = readReport;

describe("run: every error class through the real SDK", () => {
  it("classifies, retries and reports each row exactly once", async () => {
    h = await harness({ retentionMonths: 1200 });
    const sim = h.sim;
    const old = { instanceId: INSTANCE, initiationTimestamp: new Date("2017-01-01T00:00:00Z") };
    sim.addContact({ ...old, contactId: "pre-api-no-ts" }); // only the service knows it is too old
    sim.injectFaults("flaky-500", [500, 500]);
    sim.injectFaults("down-503", [503, 503, 503, 503, 503, 503]);
    sim.injectFaults("reset-once", ["reset"]);
    sim.injectFaults("slow-once", ["timeout"]);
    sim.injectFaults("throttled-3", [429, 429, 429]);
    sim.injectFaults("throttled-forever", Array(20).fill(429));
    const file = await h.file(
      "in.csv",
      csv([
        ["contactId", "initiationTimestamp", "note"],
        ["ok-1", "2024-01-01T00:00:00Z", "a"],
        ["pre-api-skip", "2018-09-11T23:59:59Z", "b"],
        ["edge-api-day", "2018-09-12T00:00:00Z", "c"],
        ["pre-api-no-ts", "", "d"],
        ["missing-contact", "", "e"],
        ["flaky-500", "", "f"],
        ["down-503", "", "g"],
        ["reset-once", "", "h"],
        ["slow-once", "", "i"],
        ["throttled-3", "", "j"],
        ["throttled-forever", "", "k"],
        ["bad key row", "", ""],
      ]),
    );
    // The simulator keeps contacts for 100 years here and --max-contact-age 0 lets 2018 rows through: this test is about the API's start date.
    const ctx = await h.ctx({
      "instance-id": INSTANCE,
      "max-attempts": 3,
      "max-tries": 6,
      "request-timeout": 400,
      rate: 200,
      concurrency: 4,
      "max-contact-age": "0",
    });
    const res = await runFile(ctx, file);
    expect(exitCodeOf(res)).toBe(3);
    const rows = await outcomesOf(res.report.outcomes);
    const by = Object.fromEntries(rows.map((r) => [r.contactId, r]));
    expect(rows).toHaveLength(12);
    expect(new Set(rows.map((r) => r.line)).size).toBe(12);

    expect(by["ok-1"]).toMatchObject({ status: "updated", attempts: "1", httpStatus: "200" });
    expect(by["pre-api-skip"]).toMatchObject({ status: "skipped_pre_api", attempts: "0" });
    // The first second of 2018-09-12 is allowed: the simulator answers it (the contact is auto-created recent).
    expect(by["edge-api-day"]?.status).toBe("updated");
    expect(by["pre-api-no-ts"]).toMatchObject({ status: "failed", errorCode: "InvalidRequestException", httpStatus: "400", attempts: "1" });
    expect(by["missing-contact"]).toMatchObject({ status: "failed", errorCode: "ResourceNotFoundException", httpStatus: "404", attempts: "1" });
    expect(by["flaky-500"]).toMatchObject({ status: "updated", attempts: "3" });
    expect(by["down-503"]).toMatchObject({ status: "failed", httpStatus: "503", attempts: "3" });
    expect(by["reset-once"]).toMatchObject({ status: "updated", attempts: "2" });
    expect(by["slow-once"]).toMatchObject({ status: "updated", attempts: "2" });
    expect(by["throttled-3"]).toMatchObject({ status: "updated", attempts: "4" });
    expect(by["throttled-forever"]).toMatchObject({ status: "failed", errorCode: "Throttled", attempts: "6" });
    expect(by["throttled-forever"]?.message).toMatch(/throttled after 6 tries/);
    expect(rows.find((r) => r.line === "13")).toMatchObject({ status: "invalid", errorCode: "NoAttributes" });

    // Skipped and invalid rows never reached the service; updated ones reached it with their values.
    const sent = sim.updates().map((u) => u.contactId);
    expect(sent).not.toContain("pre-api-skip");
    expect(sim.attributesOf(INSTANCE, "ok-1")).toEqual({ note: "a" });
    // SDK retries are off: the service never saw an attempt number above 1.
    expect(sim.stats().maxAttemptHeader).toBe(1);

    const summary = JSON.parse(await readFile(res.report.summary, "utf8"));
    expect(summary.counts).toEqual({
      updated: 6,
      skipped_pre_api: 1,
      invalid: 1,
      failed: 4,
      skipped_expired: 0,
      superseded: 0,
      cancelled: 0,
      unchanged: 0,
      would_update: 0,
    });
    expect(summary.rows).toBe(12);
    expect(summary.throttled).toBeGreaterThanOrEqual(3 + 6);
  });

  it("keeps exactly one outcome per row under throttling and faults at volume", async () => {
    // A quota well below what one worker reaches even on a loaded 2-core machine: throttling is certain.
    h = await harness({ rate: 200, burst: 10 });
    for (let i = 0; i < 30; i++) h.sim.injectFaults(`c-${i * 7}`, i % 2 === 0 ? [500] : ["reset"]);
    const lines = [["contactId", "v"]];
    for (let i = 0; i < 1500; i++) lines.push([`c-${i}`, String(i)]);
    const file = await h.file("big.csv", csv(lines));
    const ctx = await h.ctx({ "instance-id": INSTANCE, rate: 1000, concurrency: 32, "chunk-size": 100 });
    const res = await runFile(ctx, file);
    expect(exitCodeOf(res)).toBe(0);
    const rows = await outcomesOf(res.report.outcomes);
    expect(rows).toHaveLength(1500);
    expect(new Set(rows.map((r) => r.line)).size).toBe(1500);
    expect(rows.every((r) => r.status === "updated")).toBe(true);
    // Every row reached the service with its own value.
    const seen = new Map(h.sim.updates().map((u) => [u.contactId, u.attributes.v]));
    for (let i = 0; i < 1500; i++) expect(seen.get(`c-${i}`)).toBe(String(i));
    expect(h.sim.stats().throttled).toBeGreaterThan(0);
  });

  it("reads JSONL, with the API's own member names too", async () => {
    h = await harness();
    const file = await h.file(
      "in.jsonl",
      [
        JSON.stringify({ contactId: "j-1", attributes: { tier: "gold", score: 5 } }),
        JSON.stringify({ InitialContactId: "j-2", InstanceId: "other-inst", Attributes: { tier: "silver" } }),
        "{not json",
        "[1,2]",
        "",
        JSON.stringify({ contactId: "j-3", initiationTimestamp: 1500000000, attributes: { tier: "x" } }),
      ].join("\n"),
    );
    const ctx = await h.ctx({ "instance-id": INSTANCE });
    const res = await runFile(ctx, file);
    expect(exitCodeOf(res)).toBe(3);
    expect(h.sim.attributesOf(INSTANCE, "j-1")).toEqual({ tier: "gold", score: "5" });
    expect(h.sim.attributesOf("other-inst", "j-2")).toEqual({ tier: "silver" });
    const rows = await outcomesOf(res.report.outcomes);
    expect(rows.map((r) => [r.line, r.status, r.errorCode])).toEqual([
      ["1", "updated", ""],
      ["2", "updated", ""],
      ["3", "invalid", "MalformedJson"],
      ["4", "invalid", "NotAnObject"],
      ["6", "skipped_pre_api", "ContactBeforeApi"],
    ]);
    const failures = await readFile(join(res.report.dir, "failures.csv"), "utf8");
    expect(failures).toContain("{not json");
  });
});
