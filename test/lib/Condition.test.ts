import { describe, expect, it } from "vitest";
import { Condition } from "../../src/lib/Condition.js";

function condition(settleMs = 0) {
  const clock = { t: 0 };
  const said: string[] = [];
  const c = new Condition<string>({ start: (k, d) => said.push(`start ${k} ${d}`), end: (k, _d, s) => said.push(`end ${k} ${s}s`) }, settleMs, () => clock.t);
  return { c, clock, said };
}

describe("Condition: said once when it starts, once when it ends, with how long it lasted", () => {
  it("held a hundred times is said once; over, its end with the time it lasted", () => {
    const { c, clock, said } = condition();
    for (let i = 0; i < 100; i++) {
      c.holds("away", "Redis");
      clock.t += 300;
    }
    c.over();
    c.over();
    expect(said).toEqual(["start away Redis", "end away 30s"]);
  });

  it("with a settle time, a cause that clears and comes back at once is one wait, its end said once it stayed cleared", () => {
    const { c, clock, said } = condition(10_000);
    for (let i = 0; i < 50; i++) {
      c.holds("rows", "rows ahead");
      clock.t += 100;
      c.cleared();
      clock.t += 100;
    }
    expect(said).toEqual(["start rows rows ahead"]);
    clock.t += 10_000;
    c.cleared();
    expect(said).toEqual(["start rows rows ahead", "end rows 10s"]);
  });

  it("another cause ends the one holding first", () => {
    const { c, clock, said } = condition();
    c.holds("rows", "a");
    clock.t += 2_000;
    c.holds("outcomes", "b");
    c.over();
    expect(said).toEqual(["start rows a", "end rows 2s", "start outcomes b", "end outcomes 1s"]);
  });
});
