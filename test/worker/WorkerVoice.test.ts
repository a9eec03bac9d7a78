import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/log/createLogger.js";
import { RateTurns } from "../../src/rate/RateTurns.js";
import { WorkerVoice } from "../../src/worker/WorkerVoice.js";

/** A governor as the voice sees it: the rate it last reported, and every rate it reported (pure: no Redis). */
function governor() {
  const g = {
    rate: 0,
    turns: new RateTurns(),
    report(...rates: number[]) {
      for (const r of rates) {
        g.rate = r;
        g.turns.note(r);
      }
    },
  };
  return g;
}

function voice() {
  const lines: Array<{ msg: string; from: number; to: number }> = [];
  const out = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  const v = new WorkerVoice(createLogger("info", out), { state: async () => ({ state: "queued", stopReason: undefined }) });
  return { v, lines };
}

describe("the governor's rate in the worker's log", () => {
  it("says a rise and the throttle that cut it back within one look, not a move of nothing", async () => {
    const g = governor();
    const { v, lines } = voice();
    const byApi = new Map([["UpdateContactAttributes" as const, g]]);
    g.report(2, 4, 8);
    v.rates(byApi);
    // Slow start doubles the rate, the service throttles, the rate falls back: all between two looks.
    g.report(16, 32, 17);
    v.rates(byApi);
    await new Promise((r) => setImmediate(r));
    const moves = lines.map((l) => [l.from, l.to]);
    expect(moves).toEqual([
      [2, 8],
      [8, 32],
      [32, 17],
    ]);
    expect(lines.at(-1)?.msg).toBe("governor rate 32.0 → 17.0 req/s (UpdateContactAttributes)");
  });

  it("says nothing for moves of 20% or less, and the latest rate when nothing was reported since", async () => {
    const g = governor();
    const { v, lines } = voice();
    const byApi = new Map([["UpdateContactAttributes" as const, g]]);
    g.report(10, 11, 9, 10);
    v.rates(byApi);
    v.rates(byApi);
    g.report(11.5);
    v.rates(byApi);
    await new Promise((r) => setImmediate(r));
    expect(lines).toEqual([]);
  });
});

describe("RateTurns", () => {
  it("keeps where the rates turned and the latest, bounded", () => {
    const t = new RateTurns(4);
    for (const r of [1, 2, 4, 8, 4, 2, 3, 3, 5]) t.note(r);
    expect(t.take()).toEqual([1, 8, 2, 5]);
    expect(t.take()).toEqual([5]);
    for (let i = 0; i < 10; i++) t.note(i % 2 === 0 ? 10 : 20);
    expect(t.take()).toHaveLength(4);
  });
});
