/** Front-door behaviour through the real SDK: authentication, quotas, clock, latency, retry visibility. */
import { GetContactAttributesCommand, UpdateContactAttributesCommand } from "@aws-sdk/client-connect";
import { describe, expect, it } from "vitest";
import { clientFor, failure, startSim } from "./helpers.js";

const update = (id: string) => new UpdateContactAttributesCommand({ InstanceId: "i", InitialContactId: id, Attributes: { n: id } });

describe("authentication", () => {
  it("a revoked access key is 403 UnrecognizedClientException", async () => {
    const { sim, endpoint } = await startSim({ autoCreate: true, rejectedAccessKeys: ["AKIDREVOKED"] });
    const revoked = clientFor(endpoint, { credentials: { accessKeyId: "AKIDREVOKED", secretAccessKey: "s" } });
    const err = await failure(revoked.send(update("c")));
    expect(err.name).toBe("UnrecognizedClientException");
    expect(err.$metadata.httpStatusCode).toBe(403);
    expect(err.message).toBe("The security token included in the request is invalid.");
    await expect(clientFor(endpoint).send(update("c"))).resolves.toBeDefined();

    // Revocation can also happen mid-run.
    sim.setRejectedAccessKeys(["AKIDTEST"]);
    expect((await failure(clientFor(endpoint).send(update("c")))).name).toBe("UnrecognizedClientException");
    expect(sim.updates()).toHaveLength(1);
  });

  it("an unsigned request is 403 AccessDeniedException", async () => {
    const { endpoint } = await startSim({ autoCreate: true });
    const res = await fetch(`${endpoint}/contact/attributes/i/c`);
    expect(res.status).toBe(403);
    expect(res.headers.get("x-amzn-errortype")).toBe("AccessDeniedException");
  });
});

describe("Date header and request id", () => {
  it("every answer carries the current wall-clock Date, a uuid request id and JSON content type", async () => {
    const { endpoint } = await startSim({ autoCreate: true });
    const signed: Record<string, string> = {
      authorization: "AWS4-HMAC-SHA256 Credential=AKIDTEST/20250101/us-east-1/connect/aws4_request",
    };
    // Signed (404 from the service) and unsigned (403 from the front door) answers alike.
    for (const headers of [signed, {}]) {
      const res = await fetch(`${endpoint}/contact/attributes/i/missing-x`, { headers });
      const date = res.headers.get("date");
      expect(date).not.toBeNull();
      expect(Math.abs(new Date(date!).getTime() - Date.now())).toBeLessThan(3000);
      expect(res.headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(res.headers.get("content-type")).toBe("application/json");
    }
  });

  it("so the SDK does not retry a 404 as clock skew (one attempt even with maxAttempts 3)", async () => {
    const { sim, endpoint } = await startSim({ autoCreate: true });
    const client = clientFor(endpoint, { maxAttempts: 3 });
    const err = await failure(client.send(new GetContactAttributesCommand({ InstanceId: "i", InitialContactId: "missing-1" })));
    expect(err.$metadata.httpStatusCode).toBe(404);
    expect(sim.stats().requests).toBe(1);
    expect(sim.stats().maxAttemptHeader).toBe(1);
  });
});

describe("throttling", () => {
  it("rate 5 burst 5: of 20 concurrent calls some are 429 ThrottlingException and change nothing", async () => {
    const { sim, endpoint } = await startSim({ autoCreate: true, rate: 5, burst: 5 });
    const client = clientFor(endpoint);
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => client.send(update(`c-${i}`))));
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    const ok = results.length - rejected.length;
    expect(ok).toBeGreaterThanOrEqual(5);
    expect(ok).toBeLessThanOrEqual(7); // 5 banked, plus at most what trickles in while the batch is served
    for (const r of rejected) {
      expect(r.reason.name).toBe("ThrottlingException");
      expect(r.reason.$metadata.httpStatusCode).toBe(429);
    }
    const stats = sim.stats();
    expect(stats.throttled).toBe(rejected.length);
    expect(stats.byOperation.UpdateContactAttributes).toEqual({ ok, throttled: rejected.length, errors: 0 });
    expect(sim.updates()).toHaveLength(ok);
    const timelineTotals = stats.timeline.reduce((a, e) => ({ ok: a.ok + e.ok, throttled: a.throttled + e.throttled }), { ok: 0, throttled: 0 });
    expect(timelineTotals).toEqual({ ok, throttled: rejected.length });
  });

  it("quotas are per operation", async () => {
    const { endpoint } = await startSim({ autoCreate: true, rate: 1, burst: 1 });
    const client = clientFor(endpoint);
    await client.send(update("a"));
    await expect(client.send(new GetContactAttributesCommand({ InstanceId: "i", InitialContactId: "a" }))).resolves.toBeDefined();
    expect((await failure(client.send(update("b")))).name).toBe("ThrottlingException");
  });

  it("setRate changes the limit at run time, null lifts it", async () => {
    const { sim, endpoint } = await startSim({ autoCreate: true });
    const client = clientFor(endpoint);
    const burst = async (n: number) =>
      (await Promise.allSettled(Array.from({ length: n }, (_, i) => client.send(update(`c-${i}`))))).filter((r) => r.status === "fulfilled").length;
    expect(await burst(30)).toBe(30);
    sim.setRate(1, 3);
    expect(await burst(10)).toBe(3);
    sim.setRate(null);
    expect(await burst(10)).toBe(10);
    expect(() => sim.setRate(-1)).toThrow('simulator option "rate" must be a non-negative number, got -1');
  });
});

describe("latency", () => {
  it("delays every answer by latencyMs, adjustable at run time", async () => {
    const { sim, endpoint } = await startSim({ autoCreate: true, latencyMs: 80 });
    const client = clientFor(endpoint);
    let t = performance.now();
    await client.send(update("c"));
    expect(performance.now() - t).toBeGreaterThanOrEqual(75);
    sim.setLatency(0);
    t = performance.now();
    await client.send(update("c"));
    expect(performance.now() - t).toBeLessThan(75);
  });
});
