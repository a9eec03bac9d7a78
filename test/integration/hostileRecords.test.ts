import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cli, csv, harness, readReport, type Harness } from "./helpers.js";

// Records built to break a parser: each must become that row's own outcome, the file going on.

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("hostile records", () => {
  it("deep nesting, __proto__ as a name, 1e400: each row its own outcome, the rest of the file runs", async () => {
    h = await harness();
    const deep = `${"[".repeat(6000)}${"]".repeat(6000)}`;
    const file = await h.file(
      "hostile.jsonl",
      [
        '{"contactId":"a1","attributes":{"v":"1"}}',
        `{"contactId":"a2","attributes":{"v":${deep}}}`,
        '{"contactId":"a3","attributes":{"__proto__":"kept","v":"3"}}',
        '{"contactId":"a4","attributes":{"v":1e400}}',
        '{"contactId":"a5","attributes":{"v":"5"}}',
      ].join("\n") + "\n",
    );
    const res = await cli(["run", file, "--instance-id", "i", "--run-id", "hostile", "--prefix", h.prefix, "--endpoint", h.endpoint, "--reports-dir", join(h.dir, "reports"), "--quiet"]);
    expect(res.code).toBe(3);
    const out = await readReport(join(h.dir, "reports", "hostile", "outcomes.csv"));
    expect(out.map((o) => [o.line, o.status, o.errorCode])).toEqual([
      ["1", "updated", ""],
      ["2", "invalid", "TooDeep"],
      ["3", "updated", ""],
      ["4", "invalid", "InvalidAttributeValue"],
      ["5", "updated", ""],
    ]);
    expect(out[3]?.message).toBe('line 4 has a value for "v" that is not a finite number');
    expect(Object.entries(h.sim.attributesOf("i", "a3") ?? {})).toEqual([
      ["__proto__", "kept"],
      ["v", "3"],
    ]);
  });

  it("a CSV column named __proto__ is an attribute like any other", async () => {
    h = await harness();
    const file = await h.file("proto.csv", csv([["contactId", "__proto__"], ["p1", "kept"]]));
    const res = await cli(["run", file, "--instance-id", "i", "--prefix", h.prefix, "--endpoint", h.endpoint, "--reports-dir", join(h.dir, "reports"), "--quiet"]);
    expect(res.code).toBe(0);
    expect(Object.entries(h.sim.attributesOf("i", "p1") ?? {})).toEqual([["__proto__", "kept"]]);
  });
});
