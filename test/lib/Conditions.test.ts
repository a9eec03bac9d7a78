import { describe, expect, it } from "vitest";
import { Conditions } from "../../src/lib/Conditions.js";

describe("Conditions: each cause of one wait said once when it starts and once when it ends", () => {
  it("a window full of rows, then of outcomes, then of rows again, many times, says each cause once", () => {
    const clock = { t: 0 };
    const said: string[] = [];
    const c = new Conditions<string>({ start: (k) => said.push(`start ${k}`), end: (k, _d, s) => said.push(`end ${k} ${s}s`) }, 10_000, () => clock.t);
    for (let i = 0; i < 30; i++) {
      c.holds("rows");
      clock.t += 100;
      c.holds("outcomes");
      clock.t += 100;
      c.cleared();
      clock.t += 100;
    }
    expect(said).toEqual(["start rows", "start outcomes"]);
    c.over();
    expect(said.slice(2).sort()).toEqual(["end outcomes 9s", "end rows 9s"]);
  });

  it("a cause cleared for the settle time ends while another holds", () => {
    const clock = { t: 0 };
    const said: string[] = [];
    const c = new Conditions<string>({ start: (k) => said.push(`start ${k}`), end: (k, _d, s) => said.push(`end ${k} ${s}s`) }, 1_000, () => clock.t);
    c.holds("rows");
    clock.t += 2_000;
    c.holds("held");
    clock.t += 1_000;
    c.holds("held");
    expect(said).toEqual(["start rows", "start held", "end rows 2s"]);
    c.over();
    expect(said).toEqual(["start rows", "start held", "end rows 2s", "end held 1s"]);
  });
});
