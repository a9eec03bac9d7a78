import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, harnessPerTest } from "./helpers.js";

// A producer started again with the same command, less the flags that made the run, takes them from the run;
// a flag that disagrees with what the run keeps is refused (exit 2), never silently dropped.

const fresh = harnessPerTest();

describe("going on with a run from its --run-id", () => {
  it("takes the run's separator and operation when they are left out, and refuses a chunk size or breaker that disagrees", async () => {
    const h = await fresh({ latencyMs: 1 });
    const aim = ["--instance-id", "i", "--prefix", h.prefix, "--endpoint", h.endpoint];
    const semi = await h.file("semi.csv", "contactId;tier\nc1;gold\nc2;silver\n");
    expect((await cli(["enqueue", semi, "--run-id", "d1", "--delimiter", ";", ...aim])).code).toBe(0);
    // The same command without --delimiter: the run's own ";" reads its header.
    const again = await cli(["enqueue", semi, "--run-id", "d1", ...aim]);
    expect(again.code, again.stderr).toBe(0);
    const named = await h.file("named.csv", "contactId,name\nc3,Ann\n");
    expect((await cli(["enqueue", named, "--run-id", "u1", "--operation", "UpdateContact", ...aim])).code).toBe(0);
    const sameOp = await cli(["enqueue", named, "--run-id", "u1", ...aim]);
    expect(sameOp.code, sameOp.stderr).toBe(0);
    for (const [flag, value] of [
      ["--chunk-size", "7"],
      ["--breaker-consecutive", "3"],
      ["--delimiter", ","],
      ["--job-name", "nightly"],
    ]) {
      const r = await cli(["run", semi, "--run-id", "d1", flag as string, value as string, "--reports-dir", join(h.dir, "reports"), ...aim]);
      expect(r.code, `${flag}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(`${flag} ${value} disagrees with run d1`);
    }
    // The run itself, worked as it was queued: both rows, with its own operation.
    const ran = await cli(["run", semi, "--run-id", "d1", "--reports-dir", join(h.dir, "reports"), "--quiet", ...aim]);
    expect(ran.code, ran.stderr).toBe(0);
    expect(h.sim.attributesOf("i", "c2")).toEqual({ tier: "silver" });
  });
});
