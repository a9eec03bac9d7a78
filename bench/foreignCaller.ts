// Another caller of the account (a contact flow), for the governor and quota benches.
import { ConnectClient, UpdateContactAttributesCommand } from "@aws-sdk/client-connect";

/** The account's other caller: a steady `perS` calls/s, one try each (a flow does not retry); counts its throttles and successes. */
export function foreignCaller(endpoint: string, perS: number) {
  const client = new ConnectClient({ region: "us-east-1", endpoint, maxAttempts: 1, requestHandler: { httpAgent: { keepAlive: true, maxSockets: 16 } } });
  const c = { sent: 0, throttled: 0, okAt: [] as number[] };
  let n = 0;
  const inFlight = new Set<Promise<void>>();
  const timer = setInterval(() => {
    const p = client
      .send(new UpdateContactAttributesCommand({ InstanceId: "bench", InitialContactId: `flow-${n++}`, Attributes: { flow: "1" } }))
      .then(
        () => {
          c.sent++;
          c.okAt.push(Date.now());
        },
        (err: { name?: string }) => {
          c.sent++;
          if (err.name === "ThrottlingException") c.throttled++;
        },
      )
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }, 1000 / perS);
  return {
    counts: c,
    reset() {
      c.sent = 0;
      c.throttled = 0;
      c.okAt = [];
    },
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
      client.destroy();
    },
  };
}
