import { ConnectClient, UpdateContactAttributesCommand } from "@aws-sdk/client-connect";
import { afterEach, describe, expect, it } from "vitest";
import { ConnectSimulator, type SimulatorStats } from "../../src/simulator/index.js";
import { cli, csv, harness, type Harness } from "./helpers.js";

let h: Harness | undefined;
const others: ConnectSimulator[] = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  for (const s of others.splice(0)) await s.stop();
});

function rowsFile(n: number, tag: string): string {
  const lines = [["contactId", "v"]];
  for (let i = 0; i < n; i++) lines.push([`${tag}-${i}`, String(i)]);
  return csv(lines);
}

/** Successful UpdateContactAttributes calls per whole second, from the run's third second to its last whole one. */
function steady(st: SimulatorStats): number[] {
  const secs = st.timeline.filter((e) => e.ok + e.throttled > 0);
  const first = secs[0]?.second ?? 0;
  const last = secs.at(-1)?.second ?? 0;
  return secs.filter((e) => e.second >= first + 2 && e.second < last).map((e) => e.ok);
}

/** Another caller of the account (a contact flow): a steady `perS` calls/s, one try each. */
function foreignCaller(endpoint: string, perS: number): () => void {
  const client = new ConnectClient({ region: "us-east-1", endpoint, maxAttempts: 1 });
  let n = 0;
  const timer = setInterval(() => {
    client.send(new UpdateContactAttributesCommand({ InstanceId: "i", InitialContactId: `flow-${n++}`, Attributes: { f: "1" } })).catch(() => undefined);
  }, 1000 / perS);
  return () => {
    clearInterval(timer);
    client.destroy();
  };
}

const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

describe("what the governor learns is the quota's, per target", () => {
  it("a busy target's low safe rate does not pace a quiet one on the same prefix", async () => {
    // First target: 30/s, of which a contact flow uses 10/s; the backfill learns what is left (about 20/s).
    h = await harness({ rate: 30 });
    const busy = h.endpoint;
    const stop = foreignCaller(busy, 10);
    const common = ["--prefix", h.prefix, "--instance-id", "i", "--reports-dir", `${h.dir}/reports`, "--chunk-size", "50", "--concurrency", "32"];
    try {
      const first = await cli(["run", await h.file("busy.csv", rowsFile(200, "a")), "--endpoint", busy, "--rate", "200", "--run-id", "busy", ...common]);
      expect(first.code, first.stderr).toBe(0);
    } finally {
      stop();
    }
    expect(h.sim.stats().throttled).toBeGreaterThan(0);
    // Second target, quiet, same prefix: told its exact limit.
    const quiet = new ConnectSimulator({ autoCreate: true, rate: 50 });
    others.push(quiet);
    const q = await quiet.start();
    const second = await cli(["run", await h.file("quiet.csv", rowsFile(350, "b")), "--endpoint", q.endpoint, "--rate", "50", "--run-id", "quiet", ...common]);
    expect(second.code, second.stderr).toBe(0);
    const perSecond = steady(quiet.stats());
    expect(perSecond.length).toBeGreaterThanOrEqual(3);
    // Paced from its own (empty) figures, not at 90% of the busy target's 20/s (the bench holds the 95% target; a loaded CI machine gets room).
    expect(avg(perSecond), perSecond.join(",")).toBeGreaterThanOrEqual(40);
    // status shows whose figures it reads: each run its own target's.
    const s1 = await cli(["status", "busy", "--prefix", h.prefix]);
    const s2 = await cli(["status", "quiet", "--prefix", h.prefix]);
    expect(s1.stdout).toContain(`(us-east-1@${new URL(busy).host})`);
    expect(s2.stdout).toContain(`(us-east-1@${new URL(q.endpoint).host})`);
  });

  it("without --rate, the account's quota from Service Quotas is the ceiling; denied, one warning and the default", async () => {
    h = await harness({ rate: 40 });
    const env = { AWS_ENDPOINT_URL_SERVICE_QUOTAS: h.endpoint };
    const common = ["--prefix", h.prefix, "--instance-id", "i", "--reports-dir", `${h.dir}/reports`, "--endpoint", h.endpoint, "--chunk-size", "50"];
    const r = await cli(["run", await h.file("q.csv", rowsFile(400, "q")), "--run-id", "q", "--concurrency", "16", ...common], env);
    expect(r.code, r.stderr).toBe(0);
    const st = h.sim.stats();
    const perSecond = steady(st);
    expect(avg(perSecond), perSecond.join(",")).toBeGreaterThanOrEqual(32);
    expect(st.throttled / st.requests).toBeLessThanOrEqual(0.02);
    expect(r.stderr.match(/the account's quota is 40\/s/g) ?? []).toHaveLength(1);

    h.sim.reset();
    h.sim.setServiceQuotasDenied(true);
    const d = await cli(["run", await h.file("d.csv", rowsFile(50, "d")), "--run-id", "d", ...common], env);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stderr.split("\n").filter((l) => l.includes("servicequotas:ListServiceQuotas"))).toHaveLength(1);
    // The default, 10/s: never more in any second.
    const denied = h.sim.stats();
    expect(Math.max(...denied.timeline.map((e) => e.ok))).toBeLessThanOrEqual(11);
    expect(denied.accepted.total).toBe(50);
  });
});
