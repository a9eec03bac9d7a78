import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cli, csv, harness, rows, type Harness } from "./helpers.js";

// `run` starts its target's check in a thread before it has loaded (app/checkAhead.ts). What the check says, and
// where a run is checked, must be what they were when the check ran in its turn.

let h: Harness | undefined;
let b: Harness | undefined;
afterEach(async () => {
  await h?.close();
  await b?.close();
  h = b = undefined;
});

describe("run's check started ahead", () => {
  it("a run that exists is checked and worked where it was made, though this shell names no endpoint", async () => {
    h = await harness();
    const file = await h.file("r.csv", rows(20, "r"));
    const common = ["--prefix", h.prefix, "--reports-dir", join(h.dir, "reports"), "--instance-id", "i", "--log-level", "warn"];
    const queued = await cli(["enqueue", file, "--run-id", "made", "--endpoint", h.endpoint, ...common]);
    expect(queued.code, queued.stderr).toBe(0);
    // The check started ahead is for this shell's target (AWS's own endpoint, which no test machine reaches): its
    // answer must not be taken for the run's, which is the simulator's.
    const worked = await cli(["run", file, "--run-id", "made", "--quiet", ...common]);
    expect(worked.stderr).toBe("");
    expect(worked.code).toBe(0);
    expect(h.sim.acceptedCount()).toBe(20);
    expect(h.sim.attributesOf("i", "r19")).toEqual({ v: "19" });

    // A shell whose SDK endpoint is another simulator on the same prefix: the check started ahead is that one's;
    // the run is still checked and worked where it was made, and nothing reaches the other.
    b = await harness();
    const more = await h.file("m.csv", rows(10, "m"));
    const queuedMore = await cli(["enqueue", more, "--run-id", "more", "--endpoint", h.endpoint, ...common]);
    expect(queuedMore.code, queuedMore.stderr).toBe(0);
    const elsewhere = await cli(["run", more, "--run-id", "more", "--quiet", ...common], { AWS_ENDPOINT_URL_CONNECT: b.endpoint });
    expect(elsewhere.code, elsewhere.stderr).toBe(0);
    expect(h.sim.attributesOf("i", "m9")).toEqual({ v: "9" });
    expect(b.sim.stats().requests).toBe(0);
  }, 60_000);

  it("says the file's problem before the endpoint's, as before: the check's answer waits for its turn", async () => {
    h = await harness();
    const noContacts = await h.file(
      "n.csv",
      csv([
        ["name", "v"],
        ["a", "1"],
      ]),
    );
    const common = ["--prefix", h.prefix, "--reports-dir", join(h.dir, "reports"), "--instance-id", "i", "--log-level", "warn"];
    const res = await cli(["run", noContacts, "--run-id", "n1", "--endpoint", "http://127.0.0.1:9", ...common]);
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split("\n")).toHaveLength(1);
    expect(res.stderr).toMatch(/n\.csv/);
    expect(res.stderr).not.toMatch(/endpoint/);
    const status = await cli(["status", "--json", "--prefix", h.prefix]);
    expect(JSON.parse(status.stdout)).toEqual([]);
  });

  it("a thread the process may not start (node's permission model without --allow-worker): checked in the main thread, the same sentences", async () => {
    h = await harness();
    const file = await h.file("p.csv", rows(3, "p"));
    // Threads are refused; files and the network are not.
    const env = { NODE_OPTIONS: "--experimental-permission --allow-fs-read=* --allow-fs-write=* --no-warnings" };
    const common = ["--prefix", h.prefix, "--reports-dir", join(h.dir, "reports"), "--instance-id", "i", "--log-level", "warn"];
    const down = await cli(["run", file, "--run-id", "p1", "--endpoint", "http://127.0.0.1:9", ...common], env);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^connect-backfill: cannot start: the Connect endpoint http:\/\/127\.0\.0\.1:9 \(Region us-east-1\) does not answer/);
    // enqueue checks in a thread too (it makes no call): refused, it checks here and queues.
    const queued = await cli(["enqueue", file, "--run-id", "p2", "--endpoint", h.endpoint, ...common], env);
    expect(queued.code, queued.stderr).toBe(0);
    expect(queued.stdout).toBe("p2\n");
    expect(queued.stderr).toMatch(/^connect-backfill: run p2: 3 rows read, 0 invalid/);
  });
});
