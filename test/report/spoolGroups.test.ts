import { appendFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encodeGroup } from "../../src/domain/groupCodec.js";
import type { Outcome } from "../../src/domain/Outcome.js";
import { decodeOutcome, encodeOutcome } from "../../src/domain/outcomeCodec.js";
import { notSent } from "../../src/domain/outcomes.js";
import { OutcomeSpool } from "../../src/report/OutcomeSpool.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "spool-groups-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const AT = 1_700_000_000_000;
/** Contact ids a group may carry: quotes, backslashes, tabs, brackets, characters of several bytes. */
const contactOf = (line: number) => (line % 7 === 0 ? `q"\\\t[]${line}é😀` : `c-${line}`);
/** The outcome a row of the group below stands for, as its own entry would be read back. */
const alike = (line: number, status: "unchanged" | "cancelled" = "unchanged"): Outcome =>
  decodeOutcome(
    encodeOutcome({ ...notSent({ line, contactId: contactOf(line), instanceId: "in\tst" }, status, "Same", `line ${line}: not sent: "same"`), finishedAt: AT }),
  );
const group = (id: string, lines: number[], status: "unchanged" | "cancelled" = "unchanged") => {
  const { text, rows } = encodeGroup(
    { status, errorCode: "Same", instanceId: "in\tst", finishedAt: AT, rest: 'not sent: "same"' },
    lines.join(","),
    lines.map(contactOf).join("\n"),
  );
  return { id, encoded: text, rows };
};
const single = (id: string, line: number, attempts = 1) => ({
  id,
  encoded: encodeOutcome({ ...notSent({ line, contactId: contactOf(line), instanceId: "i" }, "invalid", "Bad", `line ${line}: bad`), attempts, finishedAt: AT }),
});

describe("OutcomeSpool: a group of alike outcomes is one line", () => {
  it("keeps a group as one line and reads its rows back one by one, in line order", async () => {
    const path = join(dir, "s");
    const spool = await OutcomeSpool.open(path);
    spool.append([group("1-0", [2, 3, 4, 5, 6, 7]), single("2-0", 8), group("3-0", [9, 10, 14])]);
    expect((await readFile(path, "utf8")).split("\n")).toHaveLength(4);
    const { outcomes, duplicates, count } = spool.inLineOrder();
    expect([count, duplicates]).toEqual([10, 0]);
    const read = [...outcomes()];
    expect(read.map((o) => o.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 14]);
    expect(read[5]).toEqual(alike(7));
    expect(read[9]).toEqual(alike(14));
    expect(read[6]?.status).toBe("invalid");
    spool.close();
  });

  it("out of order, groups and single outcomes mixed and a line twice: sorted by line, the first outcome of a line kept", async () => {
    const spool = await OutcomeSpool.open(join(dir, "s"));
    // A 1%-changed night: the producer's groups first, the sent rows after; a chunk taken up again adds a line twice.
    spool.append([group("1-0", [2, 4, 7, 21]), group("2-0", [14, 15, 16], "cancelled"), single("3-0", 3), single("4-0", 7, 9), group("5-0", [5, 6, 28, 3])]);
    const { outcomes, duplicates, count } = spool.inLineOrder();
    expect([count, duplicates]).toEqual([11, 2]);
    const read = [...outcomes()];
    expect(read.map((o) => o.line)).toEqual([2, 3, 4, 5, 6, 7, 14, 15, 16, 21, 28]);
    expect(read[1]?.status).toBe("invalid");
    expect(read[5]).toEqual(alike(7));
    expect(read[6]).toEqual(alike(14, "cancelled"));
    expect(read[10]).toEqual(alike(28));
    spool.close();
  });

  it("groups that came out of order, each in order and apart from the others: read back in line order", async () => {
    const spool = await OutcomeSpool.open(join(dir, "s"));
    // Chunks settled at once finish in any order.
    spool.append([group("1-0", [20, 21, 22]), single("2-0", 9), group("3-0", [2, 3, 7]), group("4-0", [10, 14])]);
    const { outcomes, duplicates, count } = spool.inLineOrder();
    expect([count, duplicates]).toEqual([9, 0]);
    const read = [...outcomes()];
    expect(read.map((o) => o.line)).toEqual([2, 3, 7, 9, 10, 14, 20, 21, 22]);
    expect(read[2]).toEqual(alike(7));
    expect(read[3]?.status).toBe("invalid");
    // A group whose own rows are out of order (a contact's rows gathered from far apart) is read a row at a time.
    spool.append([group("5-0", [30, 25])]);
    expect([...spool.inLineOrder().outcomes()].map((o) => o.line)).toEqual([2, 3, 7, 9, 10, 14, 20, 21, 22, 25, 30]);
    spool.close();
    // A line twice, each of its lines in order: the first outcome of the line is kept.
    const again = await OutcomeSpool.open(join(dir, "t"));
    again.append([group("1-0", [5, 6]), group("2-0", [2, 3]), single("3-0", 6)]);
    const twice = again.inLineOrder();
    expect([twice.count, twice.duplicates]).toEqual([4, 1]);
    expect([...twice.outcomes()]).toEqual([2, 3, 5, 6].map((l) => alike(l)));
    again.close();
  });

  it("out of order with a group longer than the read window: each row's contact id read exactly", async () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => i + 10);
    const spool = await OutcomeSpool.open(join(dir, "s"));
    spool.append([single("1-0", 20_000), group("2-0", lines), single("3-0", 5)]);
    const read = [...spool.inLineOrder().outcomes()];
    expect(read.length).toBe(30_001);
    expect(read[0]?.line).toBe(5);
    expect(read.every((o, i) => i === 0 || o.line === i + 9)).toBe(true);
    expect(read.find((o) => o.line === 20_000)?.status).toBe("invalid");
    expect(
      read.filter((o) => o.line !== 20_000 && o.line !== 5).every((o) => o.contactId === contactOf(o.line) && o.message === `line ${o.line}: not sent: "same"`),
    ).toBe(true);
    spool.close();
  });

  it("a group cut short on disk (SIGKILL mid-write) is cut off and written again whole", async () => {
    const path = join(dir, "s");
    const spool = await OutcomeSpool.open(path);
    spool.append([group("1-0", [2, 3])]);
    spool.close();
    const torn = group("2-0", [4, 5, 6, 7]);
    await appendFile(path, `${torn.id}\t${torn.encoded.slice(0, torn.encoded.length - 9)}`);
    const again = await OutcomeSpool.open(path);
    expect(again.lastId).toBe("1-0");
    again.append([torn]);
    const { outcomes, count } = again.inLineOrder();
    expect(count).toBe(6);
    expect([...outcomes()]).toEqual([2, 3, 4, 5, 6, 7].map((l) => alike(l)));
    again.close();
  });
});
