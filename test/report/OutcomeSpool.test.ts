import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Outcome } from "../../src/domain/Outcome.js";
import { encodeOutcome } from "../../src/domain/outcomeCodec.js";
import { OutcomeSpool } from "../../src/report/OutcomeSpool.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "spool-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function outcome(line: number, over: Partial<Outcome> = {}): Outcome {
  return {
    line,
    contactId: `c${line}`,
    instanceId: "i",
    status: "would_update",
    errorCode: "",
    httpStatus: undefined,
    message: "",
    attempts: 0,
    throttles: 0,
    finishedAt: 1_700_000_000_000 + line,
    original: undefined,
    ...over,
  };
}

const entries = (lines: number[], from = 1, over: (line: number) => Partial<Outcome> = () => ({})) =>
  lines.map((line, i) => ({ id: `${from + i}-0`, encoded: encodeOutcome(outcome(line, over(line))) }));

describe("OutcomeSpool.inLineOrder", () => {
  it("a spool in line order is read straight through: every outcome once, as written", async () => {
    const spool = await OutcomeSpool.open(join(dir, "s"));
    const lines = Array.from({ length: 5_000 }, (_, i) => i + 2);
    spool.append(entries(lines));
    const { outcomes, duplicates, count } = spool.inLineOrder();
    expect([count, duplicates]).toEqual([5_000, 0]);
    const read = [...outcomes()];
    expect(read.map((o) => o.line)).toEqual(lines);
    expect(read[17]).toEqual(outcome(19));
    // Read again (the failures pass): the same.
    expect([...outcomes()].length).toBe(5_000);
    spool.close();
  });

  it("out of order and repeated: sorted by line, the first outcome of a line kept", async () => {
    const spool = await OutcomeSpool.open(join(dir, "s"));
    spool.append(entries([5, 3, 9], 1, () => ({ attempts: 1 })));
    spool.append(entries([3, 4, 9, 2], 10, () => ({ attempts: 2 })));
    const { outcomes, duplicates, count } = spool.inLineOrder();
    expect([count, duplicates]).toEqual([5, 2]);
    expect([...outcomes()].map((o) => [o.line, o.attempts])).toEqual([
      [2, 2],
      [3, 1],
      [4, 2],
      [5, 1],
      [9, 1],
    ]);
    spool.close();
  });

  it("lines longer than the read window and characters of several bytes, across the window's edges", async () => {
    const big = `é€😀"\t,${"x".repeat(1536 * 1024)}`;
    const message = (line: number) => (line % 5_000 === 0 ? big : `line ${line}: ünïcödé ${"y".repeat(line % 300)}`);
    const lines = Array.from({ length: 12_000 }, (_, i) => i + 1);
    for (const order of [lines, [...lines].reverse()]) {
      const other = await OutcomeSpool.open(join(dir, `s-${order[0]}`));
      other.append(entries(order, 1, (line) => ({ message: message(line) })));
      const read = [...other.inLineOrder().outcomes()];
      expect(read.length).toBe(12_000);
      expect(read.every((o, i) => o.line === i + 1 && o.message === message(i + 1))).toBe(true);
      other.close();
    }
  });

  it("appendOwn: outcomes never in Redis carry the last drained id, so a drain goes on after it, and are read with the rest", async () => {
    const path = join(dir, "s");
    const spool = await OutcomeSpool.open(path);
    spool.appendOwn([encodeOutcome(outcome(3))]);
    expect(spool.lastId).toBe("0-0");
    spool.append([{ id: "1700-4", encoded: encodeOutcome(outcome(9, { status: "invalid" })) }]);
    spool.appendOwn([encodeOutcome(outcome(2)), encodeOutcome(outcome(4))]);
    spool.sync();
    expect(spool.lastId).toBe("1700-4");
    spool.close();
    expect((await readFile(path, "utf8")).split("\n").map((l) => l.split("\t")[0])).toEqual(["0-0", "1700-4", "1700-4", "1700-4", ""]);
    const again = await OutcomeSpool.open(path);
    expect(again.lastId).toBe("1700-4");
    const { outcomes, count } = again.inLineOrder();
    expect(count).toBe(4);
    expect([...outcomes()].map((o) => `${o.line}:${o.status}`)).toEqual(["2:would_update", "3:would_update", "4:would_update", "9:invalid"]);
    again.close();
  });

  it("a spool of the release before: a group it wrote a line per row and cut short on disk (its last line, with the entry's id, never landed) is dropped and written again whole", async () => {
    const path = join(dir, "s");
    const spool = await OutcomeSpool.open(path);
    spool.append(entries([2, 3]));
    // An entry's outcomes as the drain gives them (store/outcomeGroups.ts): the id on the last only.
    const group = (id: string, lines: number[]) => lines.map((line, i) => ({ id: i === lines.length - 1 ? id : "", encoded: encodeOutcome(outcome(line)) }));
    const whole = group("9-0", [4, 5, 6, 7]);
    const text = whole.map((e) => `${e.id}\t${e.encoded}\n`).join("");
    spool.close();
    // SIGKILL while the group was written: two of its lines and half of a third landed.
    await appendFile(path, text.slice(0, text.indexOf("\n", text.indexOf("\n") + 1) + 20));
    const again = await OutcomeSpool.open(path);
    expect(again.lastId).toBe("2-0");
    again.append(whole);
    const { outcomes, duplicates, count } = again.inLineOrder();
    expect([count, duplicates]).toEqual([6, 0]);
    expect([...outcomes()].map((o) => o.line)).toEqual([2, 3, 4, 5, 6, 7]);
    again.close();
  });

  it("finds the last whole entry behind a cut-short group longer than the tail first read (1 MB), or none", async () => {
    const path = join(dir, "s");
    const spool = await OutcomeSpool.open(path);
    spool.append(entries([2]));
    spool.close();
    const long = "x".repeat(200);
    const idless = Array.from({ length: 8_000 }, (_, i) => `\t${encodeOutcome(outcome(i + 3, { message: long }))}\n`).join("");
    expect(idless.length).toBeGreaterThan(1 << 20);
    await appendFile(path, idless);
    const again = await OutcomeSpool.open(path);
    expect(again.lastId).toBe("1-0");
    expect(again.inLineOrder().count).toBe(1);
    again.close();
    // Nothing but a group's first lines: nothing is whole.
    const only = join(dir, "only");
    await writeFile(only, idless);
    const none = await OutcomeSpool.open(only);
    expect(none.lastId).toBe("0-0");
    expect(none.inLineOrder().count).toBe(0);
    none.close();
  });
});
