/** Faults that name an operation, and credential faults as the SDK classifies them. */
import { DescribeContactCommand, UpdateContactAttributesCommand, UpdateContactCommand } from "@aws-sdk/client-connect";
import { describe, expect, it } from "vitest";
import { clientFor, failure, startSim } from "./helpers.js";

const update = (id: string) => new UpdateContactAttributesCommand({ InstanceId: "i", InitialContactId: id, Attributes: { a: "1" } });
const rename = (id: string) => new UpdateContactCommand({ InstanceId: "i", ContactId: id, Name: "n" });

describe("faults per operation", () => {
  it("a fault naming UpdateContact waits for that call; other operations on the contact pass", async () => {
    const { sim, endpoint } = await startSim({ autoCreate: true });
    sim.injectFaults("c", [503], "UpdateContact");
    sim.injectFaults("c", [500]); // any operation, queued after
    const client = clientFor(endpoint);
    // The first request is UpdateContactAttributes: the UpdateContact fault is skipped, the any-operation one hits.
    expect((await failure(client.send(update("c")))).$metadata.httpStatusCode).toBe(500);
    await client.send(update("c"));
    expect((await failure(client.send(rename("c")))).$metadata.httpStatusCode).toBe(503);
    await client.send(rename("c"));
    expect(sim.stats().byOperation.UpdateContact).toEqual({ ok: 1, throttled: 0, errors: 1 });
  });

  it("failNext with an operation, and the admin endpoint's operation field", async () => {
    const { sim, endpoint } = await startSim({ autoCreate: true });
    const client = clientFor(endpoint);
    sim.failNext(2, 429, "UpdateContactAttributes");
    await client.send(rename("x")); // not hit
    expect((await failure(client.send(update("a")))).name).toBe("ThrottlingException");
    expect((await failure(client.send(update("b")))).name).toBe("ThrottlingException");
    await client.send(update("c"));

    const res = await fetch(`${endpoint}/__sim/faults`, {
      method: "POST",
      body: JSON.stringify({ contactId: "d", faults: ["ConflictException"], operation: "UpdateContact" }),
    });
    expect(res.status).toBe(200);
    await client.send(update("d"));
    const conflict = await failure(client.send(rename("d")));
    expect(conflict.name).toBe("ConflictException");
    expect(conflict.$metadata.httpStatusCode).toBe(409);
    const bad = await fetch(`${endpoint}/__sim/faults`, { method: "POST", body: JSON.stringify({ faults: [500], operation: "Nope" }) });
    expect(bad.status).toBe(400);
  });
});

describe("credential faults", () => {
  it.each([
    ["ExpiredTokenException", "ExpiredTokenException", /expired/],
    ["InvalidSignatureException", "InvalidSignatureException", /signature we calculated does not match/],
    ["AccessDeniedException", "AccessDeniedException", /not authorized/],
  ] as const)("%s is a 403 the SDK does not retry", async (fault, name, message) => {
    const { sim, endpoint } = await startSim({ autoCreate: true });
    sim.injectFaults("c", [fault]);
    const err = await failure(clientFor(endpoint, { maxAttempts: 3 }).send(update("c")));
    expect(err.name).toBe(name);
    expect(err.$metadata.httpStatusCode).toBe(403);
    expect(err.message).toMatch(message);
    expect(sim.stats().requests).toBe(1); // standard retry mode: a client error, no second attempt
    expect(sim.updates()).toEqual([]);
  });

  it('"SignatureExpired" is the InvalidSignatureException the SDK retries as transient', async () => {
    const { sim, endpoint } = await startSim({ autoCreate: true });
    sim.injectFaults("c", ["SignatureExpired"]);
    await clientFor(endpoint, { maxAttempts: 2 }).send(update("c"));
    expect(sim.stats().requests).toBe(2);
    expect(sim.stats().maxAttemptHeader).toBe(2);

    sim.injectFaults("c", ["SignatureExpired"]);
    const err = await failure(clientFor(endpoint).send(new DescribeContactCommand({ InstanceId: "i", ContactId: "c" })));
    expect(err.name).toBe("InvalidSignatureException");
    expect(err.message).toMatch(/^Signature expired/);
  });

  it("InvalidActiveRegionException is a 400", async () => {
    const { sim, endpoint } = await startSim({ autoCreate: true });
    sim.failNext(1, "InvalidActiveRegionException");
    const err = await failure(clientFor(endpoint).send(update("c")));
    expect(err.name).toBe("InvalidActiveRegionException");
    expect(err.$metadata.httpStatusCode).toBe(400);
  });
});
