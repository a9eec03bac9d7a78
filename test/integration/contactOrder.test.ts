import { join } from "node:path";
import { exitCodeOf } from "../../src/cli/exitCodes.js";
import { afterEach, describe, expect, it } from "vitest";
import { runFile } from "../../src/app/runFile.js";
import { cli, csv, harness, killBackground, readReport, startCli, until, type Harness } from "./helpers.js";

// Each contact must end holding its rows applied in file order (the last line setting an
// attribute wins), whatever the workers, concurrency, chunking, throttling, retries, crashes.
// Truth is what the simulator holds at the end, not the outcome file.

let h: Harness | undefined;
afterEach(async () => {
  killBackground();
  await h?.close();
  h = undefined;
});

interface Row {
  contactId: string;
  attrs: Record<string, string>;
}

/** Three rows per contact: v goes v1, v2, v3; `first` only on the first row, `last` only on the third. */
function threeRowsEach(contacts: number, layout: "adjacent" | "spread"): Row[] {
  const rows: Row[] = [];
  const rowOf = (c: number, k: number): Row => ({
    contactId: `c${c}`,
    attrs: { v: `v${k}`, first: k === 1 ? `f${c}` : "", last: k === 3 ? `l${c}` : "" },
  });
  if (layout === "adjacent") for (let c = 0; c < contacts; c++) for (let k = 1; k <= 3; k++) rows.push(rowOf(c, k));
  else for (let k = 1; k <= 3; k++) for (let c = 0; c < contacts; c++) rows.push(rowOf(c, k));
  return rows;
}

function toCsv(rows: readonly Row[]): string {
  return csv([["contactId", "v", "first", "last"], ...rows.map((r) => [r.contactId, r.attrs.v ?? "", r.attrs.first ?? "", r.attrs.last ?? ""])]);
}

/** What file order leaves on each contact: empty cells are not sent, the last line setting an attribute wins. */
function expectedState(rows: readonly Row[]): Map<string, Record<string, string>> {
  const want = new Map<string, Record<string, string>>();
  for (const r of rows) {
    const s = want.get(r.contactId) ?? {};
    for (const [k, v] of Object.entries(r.attrs)) if (v !== "") s[k] = v;
    want.set(r.contactId, s);
  }
  return want;
}

function wrongContacts(hh: Harness, instanceId: string, rows: readonly Row[]): string[] {
  const wrong: string[] = [];
  for (const [contactId, want] of expectedState(rows)) {
    const got = hh.sim.attributesOf(instanceId, contactId);
    if (JSON.stringify(sortKeys(got ?? {})) !== JSON.stringify(sortKeys(want))) wrong.push(`${contactId}: ${JSON.stringify(got)} != ${JSON.stringify(want)}`);
  }
  return wrong;
}

const sortKeys = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

describe("same-contact rows end in file order", () => {
  it("3 worker processes x concurrency 32, chunk 10, duplicates adjacent: every contact right, rows of a chunk folded into one call", async () => {
    h = await harness({ latencyMs: 3 });
    const rows = threeRowsEach(300, "adjacent");
    const file = await h.file("adjacent.csv", toCsv(rows));
    const common = ["--prefix", h.prefix];
    expect((await cli(["enqueue", file, "--endpoint", h.endpoint, "--instance-id", "i", "--run-id", "adj", "--chunk-size", "10", ...common])).code).toBe(0);
    const workArgs = ["work", "--exit-when-idle", "--rate", "2000", "--concurrency", "32", "--chunk-size", "10", "--endpoint", h.endpoint, ...common];
    const workers = [startCli(workArgs), startCli(workArgs), startCli(workArgs)];
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0, 0]);

    expect(wrongContacts(h, "i", rows)).toEqual([]);
    // One call per contact per chunk: the rows of a contact that share a chunk went as one call.
    let calls = 0;
    for (let i = 0; i < rows.length; i += 10) calls += new Set(rows.slice(i, i + 10).map((r) => r.contactId)).size;
    expect(h.sim.updates()).toHaveLength(calls);
    expect(calls).toBeLessThan(rows.length / 2);

    expect((await cli(["report", "adj", "--reports-dir", join(h.dir, "reports"), ...common])).code).toBe(0);
    const out = await readReport(join(h.dir, "reports", "adj", "outcomes.csv"));
    expect(out).toHaveLength(900);
    expect(new Set(out.map((o) => o.line)).size).toBe(900);
    expect(out.every((o) => o.status === "updated")).toBe(true);
    // A folded row says which lines it went with; the calls are counted once.
    expect(out.find((o) => o.line === "2")?.message).toBe("line 2: applied in one call with line 3, 4 of the same contact, in file order");
    expect(out.reduce((n, o) => n + Number(o.attempts), 0)).toBe(calls);
  });

  it("10,000 rows of one contact in one chunk (the chunk size's limit): one call, one outcome each, messages that do not grow with the call", async () => {
    h = await harness({ latencyMs: 1 });
    const lines = [["contactId", "a"], ...Array.from({ length: 10_000 }, (_, i) => ["Q1", `q-${i}`])];
    const file = await h.file("one.csv", csv(lines));
    const res = await cli([
      "run",
      file,
      "--endpoint",
      h.endpoint,
      "--instance-id",
      "i",
      "--prefix",
      h.prefix,
      "--run-id",
      "one",
      "--chunk-size",
      "10000",
      "--reports-dir",
      join(h.dir, "reports"),
      "--quiet",
    ]);
    expect(res.code, res.stderr).toBe(0);
    expect(h.sim.updates()).toHaveLength(1);
    expect(h.sim.attributesOf("i", "Q1")).toEqual({ a: "q-9999" });
    const out = await readReport(join(h.dir, "reports", "one", "outcomes.csv"));
    expect(out).toHaveLength(10_000);
    expect(out.find((o) => o.line === "2")?.message).toBe("line 2: applied in one call with 9999 other lines (2 to 10001) of the same contact, in file order");
    expect(Math.max(...out.map((o) => (o.message ?? "").length))).toBeLessThan(200);
  });

  it("duplicates spread across chunks, 3 workers, one of them killed mid-run: every contact right, one outcome per line", async () => {
    h = await harness({ latencyMs: 5 });
    const rows = threeRowsEach(200, "spread"); // c0..c199 v1, then all v2, then all v3: every chain crosses chunks
    const file = await h.file("spread.csv", toCsv(rows));
    const common = ["--prefix", h.prefix];
    expect((await cli(["enqueue", file, "--endpoint", h.endpoint, "--instance-id", "i", "--run-id", "spr", "--chunk-size", "10", ...common])).code).toBe(0);
    const workArgs = ["work", "--rate", "300", "--concurrency", "32", "--chunk-size", "10", "--lock-duration", "1500", "--endpoint", h.endpoint, ...common];
    const victim = startCli(workArgs);
    const others = [startCli([...workArgs, "--exit-when-idle"]), startCli([...workArgs, "--exit-when-idle"])];
    const sim = h.sim;
    await until(() => sim.updates().length >= 150);
    victim.child.kill("SIGKILL");
    await victim.exited;
    expect(await Promise.all(others.map((w) => w.exited))).toEqual([0, 0]);

    expect(wrongContacts(h, "i", rows)).toEqual([]);
    expect((await cli(["report", "spr", "--reports-dir", join(h.dir, "reports"), ...common])).code).toBe(0);
    const out = await readReport(join(h.dir, "reports", "spr", "outcomes.csv"));
    expect(out).toHaveLength(600);
    expect(new Set(out.map((o) => o.line)).size).toBe(600);
    expect(out.every((o) => o.status === "updated")).toBe(true);
    // And the order reached the service: for every contact, the accepted v values never go backwards.
    const seen = new Map<string, number>();
    for (const u of sim.updates()) {
      const k = Number((u.attributes.v ?? "v0").slice(1));
      expect(k, `${u.contactId} went back to v${k}`).toBeGreaterThanOrEqual(seen.get(u.contactId) ?? 0);
      seen.set(u.contactId, k);
    }
  });

  it.each([
    // The measured case: one chunk holds every row, all racing under throttling before the fix.
    { layout: "adjacent" as const, contacts: 100, chunk: 500 },
    // A contact's three rows 20 lines apart, in different chunks, all in flight at once.
    { layout: "spread" as const, contacts: 20, chunk: 10 },
  ])("one process told 100/s on a 30/s quota, $layout duplicates: throttled rows keep their contact's order", async ({ layout, contacts, chunk }) => {
    h = await harness({ rate: 30, burst: 10 });
    const rows = threeRowsEach(contacts, layout);
    const file = await h.file("throttled.csv", toCsv(rows));
    const ctx = await h.ctx({ "instance-id": "i", rate: 100, concurrency: 16, "chunk-size": chunk });
    const res = await runFile(ctx, file);
    expect(exitCodeOf(res)).toBe(0);
    expect(res.report.summaryData.throttled).toBeGreaterThan(0);
    expect(wrongContacts(h, "i", rows)).toEqual([]);
  });

  it("a 503 on a contact's first call: its later rows wait for the retry", async () => {
    h = await harness();
    const rows = threeRowsEach(5, "adjacent");
    for (let c = 0; c < 5; c++) h.sim.injectFaults(`c${c}`, [503]);
    const file = await h.file("flaky.csv", toCsv(rows));
    // Chunks of one row: each row of a contact is its own job, free to race but for the chain.
    const ctx = await h.ctx({ "instance-id": "i", rate: 500, concurrency: 8, "chunk-size": 1 });
    const res = await runFile(ctx, file);
    expect(exitCodeOf(res)).toBe(0);
    expect(wrongContacts(h, "i", rows)).toEqual([]);
    expect(res.report.summaryData.requests).toBe(15 + 5);
  });
});

describe("retry keeps file order", () => {
  it("a retried older row does not overwrite what a later line of its contact applied", async () => {
    h = await harness();
    const file = await h.file(
      "retry.csv",
      csv([
        ["contactId", "a", "b"],
        ["x", "x-old", "x-b"], // line 2: fails; its `a` is overwritten by line 3, its `b` is its own
        ["x", "x-new", ""], // line 3: applied
        ["y", "y-old", ""], // line 4: fails; line 5 sets everything it sets
        ["y", "y-new", ""], // line 5: applied
        ["z", "z-1", ""], // line 6: fails, no later row: retried as is
      ]),
    );
    for (const c of ["x", "y", "z"]) h.sim.injectFaults(c, [503, 503]);
    const common = ["--prefix", h.prefix, "--endpoint", h.endpoint, "--reports-dir", join(h.dir, "reports"), "--rate", "500"];
    const first = await cli(["run", file, "--instance-id", "i", "--run-id", "parent", "--chunk-size", "1", "--max-attempts", "2", "--quiet", ...common]);
    expect(first.code).toBe(3);
    const parent = await readReport(join(h.dir, "reports", "parent", "outcomes.csv"));
    expect(parent.map((o) => o.status)).toEqual(["failed", "updated", "failed", "updated", "failed"]);
    expect(h.sim.attributesOf("i", "x")).toEqual({ a: "x-new" });

    const before = h.sim.updates().length;
    const retry = await cli(["retry", "parent", "--run-id", "child", "--quiet", ...common]);
    expect(retry.code).toBe(0);
    expect(h.sim.attributesOf("i", "x")).toEqual({ a: "x-new", b: "x-b" });
    expect(h.sim.attributesOf("i", "y")).toEqual({ a: "y-new" });
    expect(h.sim.attributesOf("i", "z")).toEqual({ a: "z-1" });
    // What reached the service in the retry: x without `a`, nothing for y.
    const sent = h.sim.updates(before).map((u) => [u.contactId, u.attributes]);
    expect(sent).toEqual(
      expect.arrayContaining([
        ["x", { b: "x-b" }],
        ["z", { a: "z-1" }],
      ]),
    );
    expect(sent).toHaveLength(2);

    const child = await readReport(join(h.dir, "reports", "child", "outcomes.csv"));
    const byLine = Object.fromEntries(child.map((o) => [o.line, o]));
    expect(byLine["2"]).toMatchObject({ status: "updated", message: "line 2: sent without a (applied by line 3)" });
    expect(byLine["4"]).toMatchObject({ status: "superseded", attempts: "0" });
    expect(byLine["4"]?.message).toMatch(/^line 4: not sent: everything it sets was applied afterwards by line 5 of the same contact/);
    expect(byLine["6"]).toMatchObject({ status: "updated" });
  });
});
