/** Injected failures as the real SDK sees them (maxAttempts 1, so each fault surfaces once). */
import { DescribeContactCommand, UpdateContactAttributesCommand } from "@aws-sdk/client-connect";
import { describe, expect, it } from "vitest";
import { clientFor, failure, startSim } from "./helpers.js";

const update = (id: string) => new UpdateContactAttributesCommand({ InstanceId: "i", InitialContactId: id, Attributes: { a: "1" } });

describe("fault injection", () => {
  it("500 is InternalServiceException; faults are consumed in order, then normal service resumes", async () => {
    const { sim, endpoint } = await startSim({ autoCreate: true });
    sim.injectFaults("c-1", [500, 429]);
    const client = clientFor(endpoint);

    const first = await failure(client.send(update("c-1")));
    expect(first.name).toBe("InternalServiceException");
    expect(first.$metadata.httpStatusCode).toBe(500);
    // Other contacts are unaffected; the fault queue applies to any operation naming c-1.
    await client.send(update("c-2"));
    const second = await failure(client.send(new DescribeContactCommand({ InstanceId: "i", ContactId: "c-1" })));
    expect(second.name).toBe("ThrottlingException");
    await client.send(update("c-1"));

    expect(sim.updates().map((u) => u.contactId)).toEqual(["c-2", "c-1"]);
    const stats = sim.stats();
    expect(stats.faults).toBe(2);
    expect(stats.requests).toBe(4);
    expect(stats.byOperation.UpdateContactAttributes).toEqual({ ok: 2, throttled: 0, errors: 1 });
    expect(stats.byOperation.DescribeContact).toEqual({ ok: 0, throttled: 1, errors: 0 });
  });

  it.each([502, 503, 504] as const)("%d has a non-JSON body and the status stays visible", async (status) => {
    const { sim, endpoint } = await startSim({ autoCreate: true });
    sim.injectFaults("c", [status]);
    const err = await failure(clientFor(endpoint).send(update("c")));
    expect(err.$metadata.httpStatusCode).toBe(status);
  });

  it("503 over raw HTTP: HTML body, no error type, still a Date and request id", async () => {
    const { sim, endpoint } = await startSim({ autoCreate: true });
    sim.failNext(1, 503);
    const res = await fetch(`${endpoint}/contact/attributes/i/c`, { headers: { authorization: "AWS4-HMAC-SHA256 x" } });
    expect(res.status).toBe(503);
    expect(res.headers.get("x-amzn-errortype")).toBeNull();
    expect(res.headers.get("date")).not.toBeNull();
    expect(res.headers.get("x-amzn-requestid")).not.toBeNull();
    expect(await res.text()).toMatch(/^<html>.*Service Unavailable/);
  });

  it("reset destroys the socket without an answer", async () => {
    const { sim, endpoint } = await startSim({ autoCreate: true });
    sim.injectFaults("c", ["reset"]);
    const client = clientFor(endpoint);
    const err = await failure(client.send(update("c")));
    expect(err.$metadata?.httpStatusCode).toBeUndefined();
    expect(`${err.code ?? ""} ${err.message}`).toMatch(/ECONNRESET|socket hang up/);
    await client.send(update("c")); // the next request gets a fresh socket
    expect(sim.updates()).toHaveLength(1);
  });

  it("timeout never answers: the client gives up, and stop() still closes the socket", async () => {
    const { sim, endpoint } = await startSim({ autoCreate: true });
    sim.injectFaults("c", ["timeout"]);
    // In this @smithy/node-http-handler, requestTimeout alone only logs a warning; the flag makes it throw.
    const client = clientFor(endpoint, { requestHandler: { requestTimeout: 300, throwOnRequestTimeout: true } });
    const err = await failure(client.send(update("c")));
    expect(err.name).toBe("TimeoutError");
    expect(sim.updates()).toHaveLength(0);

    // A hung request whose client never gives up must not keep stop() waiting.
    sim.injectFaults("d", ["timeout"]);
    const patient = clientFor(endpoint, { requestHandler: { requestTimeout: 0 } });
    const hanging = failure(patient.send(update("d")));
    await expect.poll(() => sim.stats().faults).toBe(2);
    await sim.stop();
    expect((await hanging).message).toMatch(/socket hang up|ECONNRESET/);
  });

  it("failNext(n) hits the next n requests whatever their contact, before per-contact faults", async () => {
    const { sim, endpoint } = await startSim({ autoCreate: true });
    sim.injectFaults("a", [500]);
    sim.failNext(2, 503);
    const client = clientFor(endpoint);
    expect((await failure(client.send(update("a")))).$metadata.httpStatusCode).toBe(503);
    expect((await failure(client.send(update("b")))).$metadata.httpStatusCode).toBe(503);
    expect((await failure(client.send(update("a")))).$metadata.httpStatusCode).toBe(500);
    await client.send(update("a"));
    expect(() => sim.failNext(1, 418 as never)).toThrow(/unknown fault 418/);
  });

  it("SDK retries are visible through maxAttemptHeader", async () => {
    const { sim, endpoint } = await startSim({ autoCreate: true });
    sim.injectFaults("c", [500, 503]);
    await clientFor(endpoint, { maxAttempts: 3 }).send(update("c"));
    expect(sim.stats().maxAttemptHeader).toBe(3);
    expect(sim.updates()).toHaveLength(1);
  });
});
