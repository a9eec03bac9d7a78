import type { ConnectClient } from "@aws-sdk/client-connect";
import { describe, expect, it } from "vitest";
import { type ApiCall, type SendGovernor, sendCall } from "../../src/connect/sendCall.js";
import { CallSlots, laneOf } from "../../src/worker/CallSlots.js";

/*
 * The process's call budget: a place in flight is held from a call's count to its answer only, never while it
 * waits for a turn; a lane queues its own calls. The call is a fake API (no SDK): what is under test is the order.
 */

const TO = { instanceId: "i", contactId: "c" };
const POLICY = { maxAttempts: 3, maxTries: 5 };
const never = new AbortController().signal;

/** A governor whose turns come when `turnIn` says, counting them. */
function governor(turnIn: () => Promise<void>) {
  const told = { turns: 0 };
  const g: SendGovernor = {
    acquire: async () => {
      await turnIn();
      told.turns++;
      return `${told.turns}:0`;
    },
    succeeded: () => undefined,
    throttled: async () => ({ decreased: false, rate: 1 }),
  };
  return { g, told };
}

/** An API whose calls are noted as they go and answered after `ms`. */
function api(name: string, log: string[], ms = 0): ApiCall {
  return {
    name,
    send: async () => {
      log.push(name);
      await new Promise((r) => setTimeout(r, ms));
      return {};
    },
  };
}

const client = {} as ConnectClient;

describe("CallSlots", () => {
  it("a call waiting for its turn holds no place in flight: another API's call goes meanwhile", async () => {
    const slots = new CallSlots(1);
    const log: string[] = [];
    let release!: () => void;
    const slow = governor(() => new Promise<void>((r) => (release = r)));
    const quick = governor(async () => undefined);
    const waiting = slots.inLane(laneOf("Slow", "r1", false), () =>
      sendCall({ client, op: api("Slow", log), governor: slow.g, policy: POLICY, signal: never, flight: slots.flight }, TO, {}),
    );
    const other = await slots.inLane(laneOf("Quick", "r2", false), () =>
      sendCall({ client, op: api("Quick", log), governor: quick.g, policy: POLICY, signal: never, flight: slots.flight }, TO, {}),
    );
    expect(other).toMatchObject({ kind: "done", status: "updated" });
    expect(log).toEqual(["Quick"]);
    release();
    expect(await waiting).toMatchObject({ kind: "done", status: "updated" });
    expect(log).toEqual(["Quick", "Slow"]);
    // Both lanes empty: forgotten.
    expect(slots.laneCount).toBe(0);
  });

  it("in flight, at most the budget: a call whose place comes over a second after its turn takes a fresh turn", async () => {
    const slots = new CallSlots(1);
    const log: string[] = [];
    const g = governor(async () => undefined);
    const long = sendCall({ client, op: api("Long", log, 1_200), governor: g.g, policy: POLICY, signal: never, flight: slots.flight }, TO, {});
    const next = sendCall({ client, op: api("Next", log), governor: g.g, policy: POLICY, signal: never, flight: slots.flight }, TO, {});
    await new Promise((r) => setTimeout(r, 50));
    // One place: the second call has its turn and waits for the first's answer.
    expect(log).toEqual(["Long"]);
    expect(await long).toMatchObject({ status: "updated" });
    expect(await next).toMatchObject({ status: "updated", attempts: 1 });
    // Two turns for the first try of each, and one more for the call whose place came 1.2 s after its turn.
    expect(g.told.turns).toBe(3);
  });

  it("a lane takes at most the budget at once, in the order its calls came", async () => {
    const slots = new CallSlots(2);
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        slots.inLane("L", async () => {
          inside++;
          most = Math.max(most, inside);
          order.push(i);
          await new Promise((r) => setTimeout(r, 5));
          inside--;
        }),
      ),
    );
    expect(most).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(laneOf("UpdateContact", "r", true)).not.toBe(laneOf("UpdateContact", "s", true));
    expect(laneOf("UpdateContact", "r", false)).toBe(laneOf("UpdateContact", "s", false));
  });
});
