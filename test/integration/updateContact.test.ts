import { join } from "node:path";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { scopeOf } from "../../src/rate/quotaScope.js";
import { keysFor } from "../../src/store/keys.js";
import { cli, harness, killBackground, readReport, REDIS_URL, startCli, until, type Harness } from "./helpers.js";

// UpdateContact end to end: the real CLI, the real SDK, the simulator serving
// UpdateContact from the service model; what the contacts hold at the end is checked.

let h: Harness | undefined;
afterEach(async () => {
  killBackground();
  await h?.close();
  h = undefined;
});

const seed = (contactId: string) => ({ instanceId: "inst", contactId, initiationTimestamp: new Date(Date.now() - 3_600_000), channel: "VOICE" as const });

describe("--operation UpdateContact", () => {
  it("a CSV run sets names, references and segment attributes; bad rows are invalid; only UpdateContact is called, under its own governor", async () => {
    h = await harness({ autoCreate: false, contacts: ["u1", "u2", "u3"].map(seed) });
    const file = await h.file(
      "contacts.csv",
      [
        "contactId,name,description,ref:crm:URL,ref:since:DATE,seg:tier",
        "u1,Ann,first,https://crm/u1,1700000000,gold",
        `u2,${"n".repeat(1025)},,,,`,
        "u3,Cy,,https://crm/u3,yesterday,",
        "u1,Ann B.,,,,platinum",
      ].join("\n") + "\n",
    );
    const res = await cli([
      "run",
      file,
      "--operation",
      "UpdateContact",
      "--instance-id",
      "inst",
      "--run-id",
      "uc1",
      "--prefix",
      h.prefix,
      "--endpoint",
      h.endpoint,
      "--reports-dir",
      join(h.dir, "reports"),
      "--rate",
      "50",
      "--quiet",
    ]);
    expect(res.code, res.stderr).toBe(3);
    const out = await readReport(join(h.dir, "reports", "uc1", "outcomes.csv"));
    expect(out.map((o) => [o.line, o.status, o.errorCode])).toEqual([
      ["2", "updated", ""],
      ["3", "invalid", "NameTooLong"],
      ["4", "invalid", "InvalidReference"],
      ["5", "updated", ""],
    ]);
    // The service's state: u1's two rows applied in file order (the later name and tier win, the rest kept).
    const u1 = h.sim.contactOf("inst", "u1");
    expect(u1).toMatchObject({ name: "Ann B.", description: "first" });
    expect(u1?.references).toEqual({ crm: { Value: "https://crm/u1", Type: "URL" }, since: { Value: "1700000000", Type: "DATE" } });
    expect(u1?.segmentAttributes).toEqual({ tier: { ValueString: "platinum" } });
    expect(h.sim.contactOf("inst", "u2")?.name).toBeNull();
    expect(h.sim.contactOf("inst", "u3")?.name).toBeNull();
    // Folded: u1's rows in one UpdateContact call; no attribute call at all.
    expect(h.sim.callCounts("inst", "u1")).toMatchObject({ UpdateContact: 1, UpdateContactAttributes: 0 });
    expect(h.sim.acceptedCount("UpdateContactAttributes")).toBe(0);
    const r = new Redis(REDIS_URL);
    try {
      const keys = keysFor(h.prefix);
      const scope = scopeOf({ endpoint: h.endpoint, region: "us-east-1" });
      expect(await r.exists(keys.governor(scope, "UpdateContact"))).toBe(1);
      expect(await r.exists(keys.governor(scope, "UpdateContactAttributes"))).toBe(0);
    } finally {
      r.disconnect();
    }
    const status = await cli(["status", "uc1", "--prefix", h.prefix]);
    expect(status.stdout).toMatch(/UpdateContact from .*contacts\.csv/);
  });

  it("JSONL through two worker processes: every contact ends with its last row's values; a failed row is retried", async () => {
    const ids = Array.from({ length: 60 }, (_, i) => `j${i}`);
    h = await harness({ autoCreate: false, contacts: ids.map(seed), latencyMs: 5 });
    const lines: string[] = [];
    // Three rows per contact, spread over the file (and so over chunks and workers).
    for (let round = 0; round < 3; round++) {
      for (const id of ids) {
        lines.push(
          JSON.stringify({
            ContactId: id,
            Name: `${id}-name-${round}`,
            References: { [`r${round}`]: { Value: `v${round}`, Type: "STRING" } },
            SegmentAttributes: { round: String(round) },
          }),
        );
      }
    }
    const file = await h.file("contacts.jsonl", lines.join("\n") + "\n");
    const common = ["--prefix", h.prefix, "--endpoint", h.endpoint];
    // One contact's first UpdateContact call fails for good (a 500 at every try); attributes calls would not be hit.
    h.sim.injectFaults("j7", [500, 500, 500], "UpdateContact");
    expect((await cli(["enqueue", file, "--operation", "UpdateContact", "--instance-id", "inst", "--run-id", "uc2", "--chunk-size", "25", ...common])).code).toBe(0);
    const workers = [0, 1].map(() => startCli(["work", "--rate", "100", "--concurrency", "4", "--max-attempts", "3", ...common]));
    await until(async () => {
      const s = await cli(["status", "uc2", "--json", "--prefix", h?.prefix ?? ""]);
      return s.code === 0 && (JSON.parse(s.stdout) as { state: string }).state === "finished";
    }, 60_000);
    for (const w of workers) w.child.kill("SIGTERM");
    await Promise.all(workers.map((w) => w.exited));
    for (const id of ids) {
      const c = h.sim.contactOf("inst", id);
      if (id === "j7") continue;
      expect(c?.name, id).toBe(`${id}-name-2`);
      expect(Object.keys(c?.references ?? {}).sort(), id).toEqual(["r0", "r1", "r2"]);
      expect(c?.segmentAttributes, id).toEqual({ round: { ValueString: "2" } });
    }
    // j7's first row failed; its later rows waited for it (file order), then went on.
    const rep = await cli(["report", "uc2", "--reports-dir", join(h.dir, "reports"), ...common.slice(0, 2)]);
    expect(rep.code).toBe(3);
    const failed = (await readReport(join(h.dir, "reports", "uc2", "outcomes.csv"))).filter((o) => o.status === "failed");
    expect(failed.map((o) => o.contactId)).toEqual(["j7"]);
    expect(h.sim.contactOf("inst", "j7")?.name).toBe("j7-name-2");
    // retry sends the failed row again without undoing what later rows applied (its Name is left out).
    const retry = await cli(["retry", "uc2", "--run-id", "uc2r", "--reports-dir", join(h.dir, "reports"), "--quiet", ...common]);
    expect(retry.code, retry.stderr).toBe(0);
    const j7 = h.sim.contactOf("inst", "j7");
    expect(j7?.name).toBe("j7-name-2");
    expect(Object.keys(j7?.references ?? {}).sort()).toEqual(["r0", "r1", "r2"]);
  });
});
