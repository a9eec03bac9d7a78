import { describe, expect, it } from "vitest";
import { summariseJobData, summariseReturnValue } from "../../src/dashboard/boardQueues.js";
import { isLoopback } from "../../src/dashboard/dashboardServer.js";
import { escapeHtml, runPage, runsPage } from "../../src/dashboard/pages.js";

describe("what bull-board is given of a job", () => {
  it.each([
    [
      "a chunk: run, index and a row count",
      {
        runId: "r",
        index: 3,
        rows: [
          [2, ["c1", "SECRET"]],
          [3, { contactId: "c2", attributes: { a: "SECRET" } }],
        ],
      },
      { runId: "r", index: 3, rows: 2 },
    ],
    [
      "a schedule's due time: the job and its file",
      { name: "nightly", jobFile: "jobs/nightly.json" },
      { name: "nightly", jobFile: "jobs/nightly.json", runId: undefined },
    ],
    ["anything else: how many fields", { contactId: "c1", note: "SECRET" }, { fields: 2 }],
    ["a string: its type", "SECRET", { value: "string" }],
    ["nothing", undefined, undefined],
  ])("%s", (_name, data, shown) => {
    expect(summariseJobData(data)).toEqual(shown);
    expect(JSON.stringify(summariseJobData(data)) ?? "").not.toContain("SECRET");
  });

  it.each([
    [3, 3],
    [null, null],
    ["SECRET", { value: "string" }],
    [
      { sent: 4, ok: true, last: "SECRET" },
      { sent: 4, ok: true },
    ],
  ])("return value %j is shown as %j", (value, shown) => {
    expect(summariseReturnValue(value)).toEqual(shown);
  });
});

describe("isLoopback", () => {
  it.each([
    ["127.0.0.1", true],
    ["127.1.2.3", true],
    ["localhost", true],
    ["::1", true],
    ["[::1]", true],
    ["::ffff:127.0.0.1", true],
    ["0.0.0.0", false],
    ["::", false],
    ["10.0.0.5", false],
    ["dashboard.example.com", false],
  ])("%s → %s", (host, loopback) => {
    expect(isLoopback(host)).toBe(loopback);
  });
});

describe("pages", () => {
  it("escape what they are given and carry the nonce on their only script", () => {
    expect(escapeHtml(`<a href="x">'&`)).toBe("&#60;a href=&#34;x&#34;&#62;&#39;&#38;");
    const page = runPage("run.1", "NONCE", false);
    expect(page.match(/<script/g)).toHaveLength(1);
    expect(page).toContain('<script nonce="NONCE">');
    expect(page).not.toMatch(/https?:\/\//); // nothing fetched from elsewhere
    expect(page).not.toContain('id="cancel"');
    expect(runPage("run.1", "N", true)).toContain('id="cancel"');
    expect(runsPage("N")).toContain('fetch("api/runs"');
  });
});
