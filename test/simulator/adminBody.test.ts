/** Admin bodies: big seeds go through; over the limit is a 413 that says so, never a body read as empty. */
import { GetContactAttributesCommand } from "@aws-sdk/client-connect";
import { describe, expect, it } from "vitest";
import { clientFor, startSim } from "./helpers.js";

describe("admin body size", () => {
  it("seeds 12,000 contacts in one POST (well over 1 MiB)", async () => {
    const { sim, endpoint } = await startSim();
    const now = new Date().toISOString();
    const seeds = Array.from({ length: 12_000 }, (_, i) => ({
      instanceId: "11111111-2222-3333-4444-555555555555",
      contactId: `aaaaaaaa-bbbb-cccc-dddd-${String(i).padStart(12, "0")}`,
      initiationTimestamp: now,
      attributes: { crm: `case-${i}` },
    }));
    const body = JSON.stringify(seeds);
    expect(body.length).toBeGreaterThan(1024 * 1024);
    const res = await fetch(`${endpoint}/__sim/contacts`, { method: "POST", body });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ added: 12_000 });
    expect(sim.attributesOf(seeds[11_999]!.instanceId, seeds[11_999]!.contactId)).toEqual({ crm: "case-11999" });
  });

  it("over maxAdminBodyBytes is 413 with the reason, and nothing is applied", async () => {
    const { sim, endpoint } = await startSim({ maxAdminBodyBytes: 1000 });
    const seeds = Array.from({ length: 20 }, (_, i) => ({ instanceId: "i", contactId: `c-${i}`, initiationTimestamp: new Date().toISOString() }));
    const res = await fetch(`${endpoint}/__sim/contacts`, { method: "POST", body: JSON.stringify(seeds) });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { Message: string }).Message).toMatch(/larger than 1000 bytes \(the simulator's maxAdminBodyBytes option\)/);
    expect(sim.contactOf("i", "c-0")).toBeUndefined();
  });

  it("service requests keep their own 1 MiB limit", async () => {
    const { endpoint } = await startSim({ autoCreate: true });
    const client = clientFor(endpoint);
    const res = await fetch(`${endpoint}/contact/attributes`, {
      method: "POST",
      headers: { authorization: "AWS4-HMAC-SHA256 Credential=AKIDTEST/20250101/us-east-1/connect/aws4_request" },
      body: JSON.stringify({ InstanceId: "i", InitialContactId: "c", Attributes: { a: "x".repeat(1024 * 1024) } }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("x-amzn-errortype")).toBe("InvalidRequestException");
    await expect(client.send(new GetContactAttributesCommand({ InstanceId: "i", InitialContactId: "c" }))).rejects.toThrow();
  });
});
