import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { scopeOf } from "../../src/rate/quotaScope.js";
import { keysFor } from "../../src/store/keys.js";
import { cli, csv, harness, killBackground, readReport, startCli, until, type Harness } from "./helpers.js";

// Issue 14: what an operator does before (and after) a big historical backfill, end to end through the
// simulator and the real SDK: dry run, canary, before-images and rollback, start-time look-ups.

let h: Harness | undefined;
afterEach(async () => {
  killBackground();
  await h?.close();
  h = undefined;
});

const DAY = 24 * 3600 * 1000;

function common(x: Harness): string[] {
  return ["--instance-id", "i", "--prefix", x.prefix, "--endpoint", x.endpoint, "--reports-dir", join(x.dir, "reports")];
}

describe("--dry-run", () => {
  it("checks and plans the whole file, writes the same reports with what would happen, and sends nothing", async () => {
    h = await harness({ latencyMs: 1 });
    const expiredAt = new Date(Date.now() - 400 * DAY).toISOString();
    const recent = new Date(Date.now() - 30 * DAY).toISOString();
    const file = await h.file(
      "backfill.csv",
      csv([
        ["contactId", "initiationTimestamp", "tier"],
        ["d1", recent, "gold"],
        ["d1", recent, "silver"],
        ["d2", "2017-05-01T00:00:00Z", "gold"],
        ["d3", expiredAt, "gold"],
        ["d4", "", "gold"],
        ["", "", "orphan"],
      ]),
    );
    const ctx = await h.ctx();
    // The governor learned 4 req/s at its last throttle on this Redis, for this target (its endpoint's scope).
    const scope = scopeOf({ endpoint: h.endpoint, region: "us-east-1" });
    await ctx.redis.hset(keysFor(h.prefix).governor(scope, "UpdateContactAttributes"), "wmax", 4);
    // Another target's figures on the same prefix are not this one's.
    await ctx.redis.hset(keysFor(h.prefix).governor("us-east-1@127.0.0.1:1", "UpdateContactAttributes"), "wmax", 1);
    const r = await cli(["run", file, ...common(h), "--dry-run", "--max-contact-age", "12mo", "--rate", "2", "--run-id", "dry1"]);
    expect(r.code, r.stderr).toBe(3); // one row is invalid
    expect(h.sim.stats().requests).toBe(0);
    expect(r.stdout).toMatch(/^DRY RUN dry1: 6 rows checked, nothing sent/m);
    expect(r.stdout).toMatch(/would send 2 UpdateContactAttributes calls: about 1 s at --rate 2\/s/);
    expect(r.stdout).toContain(`about 1 s at 4/s, the rate the governor last found safe for UpdateContactAttributes in ${scope}`);
    // The files it wrote, failures.xlsx among them (the list left it out).
    expect(r.stdout).toContain(`dry1: outcomes.csv, failures.csv, failures.xlsx, summary.json, report.html`);
    expect(existsSync(join(h.dir, "reports", "dry1", "failures.xlsx"))).toBe(true);
    const out = await readReport(join(h.dir, "reports", "dry1", "outcomes.csv"));
    expect(out.map((o) => `${o.contactId}:${o.status}`)).toEqual([
      "d1:would_update",
      "d1:would_update",
      "d2:skipped_pre_api",
      "d3:skipped_expired",
      "d4:would_update",
      ":invalid",
    ]);
    expect(out[0]?.message).toBe("line 2: would be sent in one call with line 3 of the same contact");
    const summary = JSON.parse(await readFile(join(h.dir, "reports", "dry1", "summary.json"), "utf8"));
    expect(summary.dryRun).toMatchObject({ calls: 2, operation: "UpdateContactAttributes", rate: 2, seconds: 1, learnedRate: 4 });
    // The invalid row is in failures.csv, ready to fix and feed back.
    expect(await readReport(join(h.dir, "reports", "dry1", "failures.csv"))).toHaveLength(1);
    // Nothing was queued: a worker has nothing to take, and status names it a dry run.
    const counts = await ctx.queues.named("chunks.dry1").getJobCounts();
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(0);
    const st = await cli(["status", "dry1", "--prefix", h.prefix]);
    expect(st.stdout).toMatch(/DRY RUN \(would send 2 calls\)/);
    expect(st.stdout).toMatch(/would_update 3/);

    // enqueue --dry-run: the same plan, nothing queued; exit 0 when no row is invalid.
    const clean = await h.file(
      "clean.csv",
      csv([
        ["contactId", "tier"],
        ["e1", "gold"],
        ["e2", "gold"],
      ]),
    );
    const e = await cli(["enqueue", clean, ...common(h), "--dry-run", "--run-id", "dry2"]);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/would send 2 UpdateContactAttributes calls/);
    expect(h.sim.stats().requests).toBe(0);
  });

  it("a job file's dryRun with onlyChanged counts the unchanged rows, leaves the memory and the history alone", async () => {
    h = await harness({ latencyMs: 1 });
    const data = csv([["contactId", "tier"], ...Array.from({ length: 20 }, (_, i) => [`j${i}`, i < 5 ? "new" : "gold"])]);
    await h.file("night1.csv", csv([["contactId", "tier"], ...Array.from({ length: 20 }, (_, i) => [`j${i}`, "gold"])]));
    await h.file("night2.csv", data);
    const job = (input: string, extra: object) =>
      JSON.stringify({ name: "dryjob", input, instanceId: "i", onlyChanged: true, endpoint: h?.endpoint, reportsDir: "reports", ...extra });
    const real = await h.file("real.json", job("night1.csv", {}));
    const dry = await h.file("dry.json", job("night2.csv", { dryRun: true }));
    const flags = ["--prefix", h.prefix, "--quiet"];
    expect((await cli(["run", real, ...flags, "--run-id", "night1"])).code).toBe(0);
    expect(h.sim.acceptedCount()).toBe(20);
    const d = await cli(["run", dry, "--prefix", h.prefix, "--run-id", "night2-dry"]);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toMatch(/would_update +5/);
    expect(d.stdout).toMatch(/unchanged +15/);
    expect(d.stdout).toMatch(/would send 5 UpdateContactAttributes calls/);
    expect(h.sim.acceptedCount()).toBe(20);
    // --forget in a dry run: planned as if the memory were empty, and the memory is kept.
    const df = await cli(["run", dry, "--prefix", h.prefix, "--forget", "--run-id", "night2-dry-forget"]);
    expect(df.code, df.stderr).toBe(0);
    expect(df.stdout).toMatch(/would_update +20/);
    // The dry runs remembered and forgot nothing: the real night 2 still sends the 5 changed rows.
    const wet = await h.file("wet.json", job("night2.csv", {}));
    expect((await cli(["run", wet, ...flags, "--run-id", "night2"])).code).toBe(0);
    expect(h.sim.acceptedCount()).toBe(25);
    const hist = JSON.parse((await cli(["history", "dryjob", "--json", "--prefix", h.prefix])).stdout);
    expect(hist.map((e: { runId: string }) => e.runId).sort()).toEqual(["night1", "night2"]);
  });
});

describe("--canary N", () => {
  it("two worker processes send exactly N rows, the run pauses (exit 4) until resume, then goes on", async () => {
    h = await harness({ latencyMs: 2 });
    const lines = [["contactId", "v"], ...Array.from({ length: 80 }, (_, i) => [`c${i}`, String(i)])];
    const file = await h.file("canary.csv", csv(lines));
    const base = common(h);
    const q = await cli(["enqueue", file, ...base, "--canary", "10", "--chunk-size", "20", "--run-id", "can"]);
    expect(q.code, q.stderr).toBe(0);
    const work = ["work", "--prefix", h.prefix, "--endpoint", h.endpoint, "--rate", "200", "--concurrency", "8"];
    startCli(work);
    startCli(work);
    const ctx = await h.ctx();
    await until(async () => (await ctx.store.state("can")).state === "paused");
    // Calls that took the canary's last places finish; nothing after them.
    await until(() => h?.sim.acceptedCount() === 10, 10_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(h.sim.acceptedCount()).toBe(10);
    const rep = await cli(["report", "can", "--prefix", h.prefix, "--reports-dir", join(h.dir, "reports")]);
    expect(rep.code).toBe(4);
    expect(rep.stderr).toMatch(/canary: the first 10 rows that needed a call were sent and run can is paused/);
    expect(rep.stderr).toMatch(/"connect-backfill resume can"/);
    expect(rep.stderr).toMatch(/"connect-backfill cancel can"/);
    const out = await readReport(join(h.dir, "reports", "can", "outcomes.csv"));
    expect(out.filter((o) => o.status === "updated")).toHaveLength(10);
    expect(rep.stdout).toMatch(/pending +70/);

    expect((await cli(["resume", "can", "--prefix", h.prefix])).code).toBe(0);
    await until(() => h?.sim.acceptedCount() === 80, 30_000);
    const done = await cli(["report", "can", "--prefix", h.prefix, "--reports-dir", join(h.dir, "reports"), "--quiet"]);
    expect(done.code).toBe(0);
    for (let i = 0; i < 80; i++) expect(h.sim.attributesOf("i", `c${i}`)?.v).toBe(String(i));
  });

  it("run --canary exits 4 with the sentence; cancel settles the rows left as cancelled", async () => {
    h = await harness({ latencyMs: 1 });
    const file = await h.file("small.csv", csv([["contactId", "v"], ...Array.from({ length: 12 }, (_, i) => [`s${i}`, "x"])]));
    const r = await cli(["run", file, ...common(h), "--canary", "3", "--rate", "100", "--run-id", "can2", "--quiet"]);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/run can2 is paused.*; 9 rows wait\./);
    expect(h.sim.acceptedCount()).toBe(3);
    const c = await cli(["cancel", "can2", "--prefix", h.prefix, "--reports-dir", join(h.dir, "reports")]);
    expect(c.code, c.stderr).not.toBe(2);
    const out = await readReport(join(h.dir, "reports", "can2", "outcomes.csv"));
    expect(out.filter((o) => o.status === "cancelled")).toHaveLength(9);
    expect(h.sim.acceptedCount()).toBe(3);
  });
});

describe("--capture-before and rollback", () => {
  it("keeps before-images, refuses a contact pushed past 32,768 bytes, and rollback writes them back (not over later changes unless --force)", async () => {
    h = await harness({ latencyMs: 1 });
    const started = new Date(Date.now() - 60 * DAY);
    h.sim.addContact({ instanceId: "i", contactId: "r1", initiationTimestamp: started, attributes: { tier: "gold", note: "keep" } });
    h.sim.addContact({ instanceId: "i", contactId: "r2", initiationTimestamp: started, attributes: { tier: "gold" } });
    h.sim.addContact({ instanceId: "i", contactId: "r3", initiationTimestamp: started, attributes: { tier: "silver" } });
    h.sim.addContact({ instanceId: "i", contactId: "big", initiationTimestamp: started, attributes: { blob: "b".repeat(32_000) } });
    const file = await h.file(
      "enrich.csv",
      csv([
        ["contactId", "tier", "flag"],
        ["r1", "platinum", "SECRET-VALUE-1"],
        ["r2", "platinum", "new2"],
        ["r3", "platinum", "new3"],
        ["big", "platinum", "y".repeat(1000)],
        ["r1", "diamond", ""],
      ]),
    );
    const r = await cli(["run", file, ...common(h), "--capture-before", "--rate", "100", "--run-id", "cap", "--log-level", "debug", "--quiet"]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).not.toContain("SECRET-VALUE-1");
    expect(r.stderr).not.toContain("platinum");
    const stats = h.sim.stats().byOperation;
    expect(stats.GetContactAttributes.ok, JSON.stringify(await readReport(join(h.dir, "reports", "cap", "outcomes.csv")))).toBe(4); // one read per call (r1's two rows fold into one)
    expect(stats.UpdateContactAttributes.ok).toBe(3);
    expect(h.sim.callCounts("i", "big").UpdateContactAttributes).toBe(0);
    const out = await readReport(join(h.dir, "reports", "cap", "outcomes.csv"));
    const big = out.find((o) => o.contactId === "big");
    expect(big?.status).toBe("failed");
    expect(big?.errorCode).toBe("AttributesTooLarge");
    expect(big?.message).toMatch(/holds 32004 bytes of attributes and this update would bring it to 33020 \(at most 32768/);
    // Before-images are customer data: the spool that keeps them is the owner's only.
    expect((await stat(join(h.dir, "reports", "cap", ".outcomes.spool"))).mode & 0o777).toBe(0o600);
    expect(h.sim.attributesOf("i", "r1")).toEqual({ tier: "diamond", note: "keep", flag: "SECRET-VALUE-1" });

    // Someone changes r3 after the run.
    h.sim.addContact({ instanceId: "i", contactId: "r3", initiationTimestamp: started, attributes: { tier: "bronze", flag: "new3" } });
    const rb = await cli(["rollback", "cap", ...common(h), "--rate", "100", "--run-id", "rb1"]);
    expect(rb.code, rb.stderr).toBe(3);
    expect(rb.stdout).toMatch(/run rb1 \(rollback of cap\): 3 rows/);
    expect(rb.stderr).toMatch(
      /1 contact was changed by someone else since run cap and left as it is \(failures.csv\); "connect-backfill rollback cap --force" overwrites them/,
    );
    // Connect has no delete: a name that did not exist is set to "".
    expect(h.sim.attributesOf("i", "r1")).toEqual({ tier: "gold", note: "keep", flag: "" });
    expect(h.sim.attributesOf("i", "r2")).toEqual({ tier: "gold", flag: "" });
    expect(h.sim.attributesOf("i", "r3")).toEqual({ tier: "bronze", flag: "new3" });
    const rbOut = await readReport(join(h.dir, "reports", "rb1", "outcomes.csv"));
    expect(rbOut.find((o) => o.contactId === "r3")?.errorCode).toBe("ChangedSinceRun");
    expect(rbOut.find((o) => o.contactId === "r3")?.message).not.toContain("bronze");
    expect((await stat(join(h.dir, "reports", "rb1", "rollback-input.jsonl"))).mode & 0o777).toBe(0o600);

    const force = await cli(["rollback", "cap", ...common(h), "--rate", "100", "--force", "--run-id", "rb2", "--quiet"]);
    expect(force.code, force.stderr).toBe(0);
    expect(h.sim.attributesOf("i", "r3")).toEqual({ tier: "silver", flag: "" });
    expect(h.sim.attributesOf("i", "big")?.tier).toBeUndefined();

    // A run without before-images cannot be rolled back: one sentence, no stack.
    expect((await cli(["run", file, ...common(h), "--run-id", "plain", "--quiet"])).code).toBe(3);
    const no = await cli(["rollback", "plain", ...common(h)]);
    expect(no.code).toBe(1);
    expect(no.stderr).toMatch(/run plain was not run with --capture-before: it kept no before-images to write back\./);
    expect(no.stderr).not.toMatch(/\n\s+at /);
    // UpdateContact keeps no before-images: refused before anything runs.
    const uc = await cli(["run", file, ...common(h), "--operation", "UpdateContact", "--capture-before"]);
    expect(uc.code).toBe(2);
    expect(uc.stderr).toMatch(/--capture-before works with UpdateContactAttributes only/);
  });
});

describe("--lookup-start-time", () => {
  it("asks DescribeContact once per contact, applies the rules to the initial contact's start, and fails or follows a transfer leg", async () => {
    // Connect forgets contacts 24 months after they start; this stand-in keeps them, so contacts from before the API can be described.
    h = await harness({ latencyMs: 1, retentionMonths: 240 });
    const add = (contactId: string, start: Date, initialContactId?: string) =>
      h?.sim.addContact({
        instanceId: "i",
        contactId,
        initiationTimestamp: start,
        ...(initialContactId ? { initialContactId, previousContactId: initialContactId } : {}),
      });
    const recent = new Date(Date.now() - 60 * DAY);
    add("n1", recent);
    add("l-init", recent);
    add("l-leg", new Date(recent.getTime() + 600_000), "l-init");
    add("p-init", new Date("2017-06-01T00:00:00Z"));
    // A leg transferred after the API existed, of a contact that started before: the initial's start decides.
    add("p-leg", new Date("2019-01-01T00:00:00Z"), "p-init");
    add("old", new Date(Date.now() - 400 * DAY));
    // A leg transferred 11 months ago of a contact that started 13 months ago: past a 12-month limit.
    add("x-init", new Date(Date.now() - 395 * DAY));
    add("x-leg", new Date(Date.now() - 335 * DAY), "x-init");
    const file = await h.file(
      "legs.csv",
      csv([
        ["contactId", "initiationTimestamp", "v"],
        ["n1", "", "a"],
        ["n1", "", "b"],
        ["l-leg", "", "c"],
        ["p-leg", "", "d"],
        ["old", "", "e"],
        ["missing-x", "", "f"],
        ["t1", recent.toISOString(), "g"],
      ]),
    );
    const r = await cli(["run", file, ...common(h), "--lookup-start-time", "--max-contact-age", "12mo", "--rate", "100", "--run-id", "look"]);
    expect(r.code, r.stderr).toBe(3);
    const out = await readReport(join(h.dir, "reports", "look", "outcomes.csv"));
    const by = (line: number) => out.find((o) => o.line === String(line));
    expect(by(2)?.status, JSON.stringify(out)).toBe("updated");
    expect(by(3)?.status).toBe("updated");
    expect(by(4)?.status).toBe("failed");
    expect(by(4)?.errorCode).toBe("NotInitialContact");
    expect(by(4)?.message).toMatch(/contact l-leg is a later leg \(a transfer\) of contact l-init.*put l-init in the file, or run with --follow-initial/);
    expect(by(5)?.errorCode).toBe("NotInitialContact");
    expect(by(6)?.status).toBe("skipped_expired");
    expect(by(7)?.status).toBe("failed");
    expect(by(7)?.errorCode).toBe("ResourceNotFoundException");
    expect(by(7)?.message).toMatch(/looking up the contact's start time failed/);
    expect(by(8)?.status).toBe("updated");
    // n1 once (its two rows share the look-up), l-leg, p-leg, old, missing-x; t1 has its own start.
    const describe = h.sim.stats().byOperation.DescribeContact;
    expect(describe.ok + describe.errors).toBe(5);
    expect(h.sim.attributesOf("i", "n1")?.v).toBe("b");
    expect(h.sim.callCounts("i", "l-init").UpdateContactAttributes).toBe(0);
    expect(h.sim.callCounts("i", "old").UpdateContactAttributes).toBe(0);

    // --follow-initial: the leg's row goes to its initial contact; p-leg's initial started before the API.
    const legs = await h.file(
      "legs2.csv",
      csv([
        ["contactId", "v"],
        ["l-leg", "followed"],
        ["p-leg", "never"],
        ["x-leg", "never"],
      ]),
    );
    const f = await cli(["run", legs, ...common(h), "--follow-initial", "--max-contact-age", "12mo", "--rate", "100", "--run-id", "follow"]);
    expect(f.code, f.stderr).toBe(0);
    const fo = await readReport(join(h.dir, "reports", "follow", "outcomes.csv"));
    expect(fo.map((o) => `${o.contactId}:${o.status}`)).toEqual(["l-init:updated", "p-init:skipped_pre_api", "x-init:skipped_expired"]);
    expect(fo[0]?.message).toMatch(/sent to initial contact l-init \(the file names its later leg l-leg; --follow-initial\)/);
    expect(h.sim.attributesOf("i", "l-init")?.v).toBe("followed");
    expect(h.sim.attributesOf("i", "l-leg")?.v).toBeUndefined();
    expect(h.sim.callCounts("i", "p-init").UpdateContactAttributes).toBe(0);
    expect(h.sim.callCounts("i", "x-init").UpdateContactAttributes).toBe(0);
  });
});

describe("review: the edges of dry runs, canaries and rollbacks", () => {
  it("a canary run still stops at the circuit breaker; retry and rollback refuse the flags they would ignore; run ids keep their kind", async () => {
    h = await harness({ latencyMs: 1 });
    // Every contact unknown: each call answers 404 (the simulator creates none with a "missing-" id).
    const bad = await h.file("bad.csv", csv([["contactId", "v"], ...Array.from({ length: 300 }, (_, i) => [`missing-${i}`, "x"])]));
    const r = await cli([
      "run",
      bad,
      ...common(h),
      "--canary",
      "1000",
      "--breaker-window",
      "10",
      "--concurrency",
      "4",
      "--rate",
      "2000",
      "--run-id",
      "cb",
      "--quiet",
    ]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/circuit breaker/);
    const sent = h.sim.stats().byOperation.UpdateContactAttributes;
    expect(sent.errors).toBeGreaterThanOrEqual(10);
    expect(sent.errors).toBeLessThan(40);

    for (const cmd of ["retry", "rollback"]) {
      const refused = await cli([cmd, "cb", ...common(h), "--dry-run"]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(new RegExp(`${cmd} does not take --dry-run: its rows come from the parent run's outcomes`));
    }

    const file = await h.file(
      "ok.csv",
      csv([
        ["contactId", "v"],
        ["k1", "1"],
        ["k2", "2"],
      ]),
    );
    expect((await cli(["run", file, ...common(h), "--dry-run", "--run-id", "plan"])).code).toBe(0);
    const real = await cli(["run", file, ...common(h), "--run-id", "plan"]);
    expect(real.code).toBe(1);
    expect(real.stderr).toMatch(/run plan is a dry run \(it sends nothing\); give the real run its own --run-id\./);
    expect((await cli(["run", file, ...common(h), "--run-id", "realrun", "--quiet"])).code).toBe(0);
    const dry = await cli(["run", file, ...common(h), "--dry-run", "--run-id", "realrun"]);
    expect(dry.code).toBe(1);
    expect(dry.stderr).toMatch(/run realrun already exists; give a dry run its own --run-id \(or none\)\./);
    const again = await cli(["run", file, ...common(h), "--capture-before", "--run-id", "realrun"]);
    // A flag that disagrees with the run is a usage error, said before anything is read or queued.
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^connect-backfill: --capture-before disagrees with run realrun, which was made without it; leave --capture-before out/);
    expect(h.sim.acceptedCount()).toBe(2);
  });

  it("an ifCurrent row is judged alone, not folded with the rows around it; __proto__ is rolled back like any name", async () => {
    h = await harness({ latencyMs: 1 });
    h.sim.addContact({ instanceId: "i", contactId: "f1", initiationTimestamp: new Date(Date.now() - DAY), attributes: { a: "old" } });
    const lines = [
      { contactId: "f1", attributes: { a: "x" } },
      { contactId: "f1", attributes: { b: "y" }, ifCurrent: { a: "x" } },
      { contactId: "f1", attributes: { c: "z" }, ifCurrent: { a: "nope" } },
      { contactId: "f1", attributes: JSON.parse('{"__proto__": "proto-new"}') },
    ];
    const file = await h.file("cond.jsonl", `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
    const r = await cli(["run", file, ...common(h), "--capture-before", "--rate", "100", "--run-id", "cond", "--quiet"]);
    expect(r.code, r.stderr).toBe(3);
    const out = await readReport(join(h.dir, "reports", "cond", "outcomes.csv"));
    expect(out.map((o) => o.status)).toEqual(["updated", "updated", "failed", "updated"]);
    expect(out[2]?.errorCode).toBe("ChangedSinceRun");
    expect(h.sim.attributesOf("i", "f1")).toEqual(JSON.parse('{"a": "x", "b": "y", "__proto__": "proto-new"}'));
    const rb = await cli(["rollback", "cond", ...common(h), "--rate", "100", "--run-id", "cond-rb", "--quiet"]);
    expect(rb.code, rb.stderr).toBe(0);
    expect(h.sim.attributesOf("i", "f1")).toEqual(JSON.parse('{"a": "old", "b": "", "__proto__": ""}'));
  });
});
