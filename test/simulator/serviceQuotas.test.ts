import { GetServiceQuotaCommand, ListServiceQuotasCommand, ServiceQuotasClient } from "@aws-sdk/client-service-quotas";
import { afterEach, describe, expect, it } from "vitest";
import { readConnectQuotas } from "../../src/connect/serviceQuotas.js";
import { ConnectSimulator } from "../../src/simulator/index.js";

let sim: ConnectSimulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" };

describe("the simulator's Service Quotas, through the real SDK client (awsJson1_1)", () => {
  it("lists Connect's rate quotas from its per-operation quotas, pages them, and gets one by code", async () => {
    sim = new ConnectSimulator({ rate: 40, quotas: { DescribeContact: { rate: 7 }, UpdateContact: { rate: null } } });
    const { endpoint } = await sim.start();
    const client = new ServiceQuotasClient({ region: "eu-west-2", endpoint, credentials, maxAttempts: 1 });
    try {
      const all = await client.send(new ListServiceQuotasCommand({ ServiceCode: "connect" }));
      const byName = Object.fromEntries((all.Quotas ?? []).map((q) => [q.QuotaName, q.Value]));
      // Unlimited UpdateContact has no quota to list.
      expect(byName).toEqual({
        "Rate of UpdateContactAttributes API requests": 40,
        "Rate of GetContactAttributes API requests": 40,
        "Rate of DescribeContact API requests": 7,
      });
      expect(all.Quotas?.[0]?.QuotaArn).toMatch(/^arn:aws:servicequotas:eu-west-2:\d{12}:connect\//);
      const first = await client.send(new ListServiceQuotasCommand({ ServiceCode: "connect", MaxResults: 2 }));
      expect(first.Quotas).toHaveLength(2);
      const second = await client.send(new ListServiceQuotasCommand({ ServiceCode: "connect", MaxResults: 2, NextToken: first.NextToken }));
      expect(second.Quotas?.map((q) => q.QuotaName)).toEqual(["Rate of DescribeContact API requests"]);
      expect(second.NextToken).toBeUndefined();
      const code = all.Quotas?.find((q) => q.QuotaName === "Rate of DescribeContact API requests")?.QuotaCode;
      const one = await client.send(new GetServiceQuotaCommand({ ServiceCode: "connect", QuotaCode: code }));
      expect(one.Quota?.Value).toBe(7);
      // A quota changed at run time is what the next look-up says.
      sim.setRate(25, undefined, "UpdateContactAttributes");
      const again = await readConnectQuotas({ endpoint, region: "eu-west-2" });
      expect("byName" in again && again.byName.get("Rate of UpdateContactAttributes API requests")).toBe(25);
      expect("byName" in again && again.account).toMatch(/^\d{12}$/);
      // Connect's own calls and buckets are untouched by these look-ups.
      expect(sim.stats().requests).toBe(0);
    } finally {
      client.destroy();
    }
  });

  it("denied by its switch: the SDK sees AccessDeniedException, and the reader says so without throwing", async () => {
    sim = new ConnectSimulator({ rate: 40, denyServiceQuotas: true });
    const { endpoint } = await sim.start();
    const client = new ServiceQuotasClient({ region: "us-east-1", endpoint, credentials, maxAttempts: 1 });
    try {
      await expect(client.send(new ListServiceQuotasCommand({ ServiceCode: "connect" }))).rejects.toMatchObject({ name: "AccessDeniedException" });
    } finally {
      client.destroy();
    }
    const res = await readConnectQuotas({ endpoint, region: "us-east-1" });
    expect(res).toMatchObject({ denied: true });
    expect("error" in res && res.error).toMatch(/^AccessDeniedException: .*servicequotas:ListServiceQuotas/);
    sim.setServiceQuotasDenied(false);
    expect(await readConnectQuotas({ endpoint, region: "us-east-1" })).toHaveProperty("byName");
  });
});
