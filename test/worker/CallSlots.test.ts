import type { ConnectClient } from "@aws-sdk/client-connect";
import { describe, expect, it } from "vitest";
import { type ApiCall, type SendGovernor, sendCall } from "../../src/connect/sendCall.js";
import { Semaphore } from "../../src/lib/semaphore.js";
import { CallSlots, laneOf } from "../../src/worker/CallSlots.js";

/*
 * The process's call budget: a lane's calls wait for their turns one at a time in a place, the others in none;
 * a request goes as its turn comes; a backoff holds no place. A fake API (no SDK): what is under test is the order.
 */

const TO = { instanceId: "i", contactId: "c" };
const POLICY = { maxAttempts: 3, maxTries: 5 };
const never = new AbortController().signal;
const client = {} as ConnectClient;
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A governor whose turns come when `turnIn` says, noting when each came. */
function governor(turnIn: () => Promise<void> = async () => undefined) {
  const turns: number[] = [];
  const g: SendGovernor = {
    acquire: async () => {
      await turnIn();
      turns.push(performance.now());
      return `${turns.length}:0`;
    },
    succeeded: () => undefined,
    throttled: async () => ({ decreased: false, rate: 1 }),
  };
  return { g, turns };
}

/** An API noting when each call went and how many were out at once, answering after `ms`. */
function api(name: string, seen: { log: string[]; sentAt: number[]; out: number; most: number }, ms = 0): ApiCall {
  return {
    name,
    send: async () => {
      seen.log.push(name);
      seen.sentAt.push(performance.now());
      seen.most = Math.max(seen.most, ++seen.out);
      await wait(ms);
      seen.out--;
      return {};
    },
  };
}
const seenOf = () => ({ log: [] as string[], sentAt: [] as number[], out: 0, most: 0 });

function call(slots: CallSlots, lane: string, op: ApiCall, g: SendGovernor) {
  return sendCall({ client, op, governor: g, policy: POLICY, signal: never, places: slots.placesOf(lane) }, TO, {});
}

describe("CallSlots", () => {
  it("a lane waiting for its turns holds one place: another API's calls go meanwhile", async () => {
    const slots = new CallSlots(2);
    const seen = seenOf();
    const gates: Array<() => void> = [];
    const slow = governor(() => new Promise<void>((r) => gates.push(r)));
    const waiting = [1, 2, 3].map(() => call(slots, laneOf("Slow", "r1", false), api("Slow", seen), slow.g));
    const quick = governor();
    const others = await Promise.all([1, 2, 3].map(() => call(slots, laneOf("Quick", "r2", false), api("Quick", seen), quick.g)));
    expect(others.every((o) => o.kind === "done" && o.status === "updated")).toBe(true);
    expect(seen.log).toEqual(["Quick", "Quick", "Quick"]);
    // One slow call asked for its turn; the other two wait in the lane, holding no place.
    expect(gates).toHaveLength(1);
    for (let i = 0; i < 3; i++) {
      await wait(5);
      gates[i]?.();
    }
    expect((await Promise.all(waiting)).every((o) => o.kind === "done")).toBe(true);
    expect(slots.queueCount).toBe(0);
  });

  it("a lane's calls waiting for their turns hold a quarter of the places at most", async () => {
    const slots = new CallSlots(8);
    const seen = seenOf();
    const gates: Array<() => void> = [];
    const slow = governor(() => new Promise<void>((r) => gates.push(r)));
    const waiting = Array.from({ length: 6 }, () => call(slots, "Slow", api("Slow", seen), slow.g));
    const quick = governor();
    await Promise.all(Array.from({ length: 12 }, () => call(slots, "Quick", api("Quick", seen, 10), quick.g)));
    expect(gates).toHaveLength(2);
    while (seen.log.filter((l) => l === "Slow").length < 6) {
      for (const open of gates.splice(0)) open();
      await wait(2);
    }
    await Promise.all(waiting);
  });

  it("a turn is taken once its call holds a place: the request goes as its turn comes, never after a wait for a place", async () => {
    const slots = new CallSlots(1);
    const seen = seenOf();
    const g = governor();
    const long = call(slots, "A", api("Long", seen, 300), g.g);
    const next = call(slots, "B", api("Next", seen), g.g);
    await Promise.all([long, next]);
    expect(seen.log).toEqual(["Long", "Next"]);
    // The second turn came after the first call's answer (300 ms), and its request right after it.
    expect((g.turns[1] as number) - (seen.sentAt[0] as number)).toBeGreaterThanOrEqual(295);
    expect((seen.sentAt[1] as number) - (g.turns[1] as number)).toBeLessThan(50);
  });

  it("never more requests out than the budget, every lane together", async () => {
    const slots = new CallSlots(3);
    const seen = seenOf();
    const g = governor();
    await Promise.all(["A", "B", "C", "D"].flatMap((lane) => Array.from({ length: 5 }, () => call(slots, lane, api(lane, seen, 20), g.g))));
    expect(seen.log).toHaveLength(20);
    expect(seen.most).toBe(3);
    expect(laneOf("UpdateContact", "r", true)).not.toBe(laneOf("UpdateContact", "s", true));
    expect(laneOf("UpdateContact", "r", false)).toBe(laneOf("UpdateContact", "s", false));
  });
});

describe("CallSlots.inRun", () => {
  it("a run has at most the budget of calls under way, in the order they came; another run is not held back", async () => {
    const slots = new CallSlots(2);
    const gates: Array<() => void> = [];
    const started: string[] = [];
    const held = Array.from({ length: 4 }, (_, i) =>
      slots.inRun("slow", async () => {
        started.push(`slow${i}`);
        await new Promise<void>((r) => gates.push(r));
      }),
    );
    await wait(5);
    expect(started).toEqual(["slow0", "slow1"]);
    await slots.inRun("other", async () => {
      started.push("other");
    });
    expect(started).toEqual(["slow0", "slow1", "other"]);
    while (started.length < 5) {
      for (const open of gates.splice(0)) open();
      await wait(2);
    }
    for (const open of gates.splice(0)) open();
    await Promise.all(held);
    expect(started).toEqual(["slow0", "slow1", "other", "slow2", "slow3"]);
    expect(slots.queueCount).toBe(0);
  });
});

describe("Semaphore", () => {
  it("gives places in the order asked, each given back once", async () => {
    const s = new Semaphore(1);
    const first = await s.take();
    const order: number[] = [];
    const later = [1, 2, 3].map((i) =>
      s.take().then((release) => {
        order.push(i);
        return release;
      }),
    );
    expect(s.waitingCount).toBe(3);
    first();
    first(); // a second release gives nothing more
    const r1 = await later[0];
    expect(order).toEqual([1]);
    r1?.();
    (await later[1])?.();
    (await later[2])?.();
    expect(order).toEqual([1, 2, 3]);
    expect(s.waitingCount).toBe(0);
    // All back: one place, not two (the double release above counted once).
    await s.take();
    let got = false;
    void s.take().then(() => (got = true));
    await wait(5);
    expect(got).toBe(false);
  });
});
