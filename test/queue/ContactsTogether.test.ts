import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type CheckedRecord, ContactsTogether } from "../../src/queue/ContactsTogether.js";
import { openRunInput } from "../../src/queue/openRunInput.js";
import { RowChecker } from "../../src/queue/RowChecker.js";

/** Contacts c0..c4 spread over the file, a few rows each, and one invalid row (no contact id). */
function exportOf(rows: number): string {
  const lines = ["contactId,tier"];
  for (let i = 0; i < rows; i++) lines.push(i === 7 ? ",gold" : `c${i % 5},t${i}`);
  return `${lines.join("\n")}\n`;
}

async function opened(path: string) {
  let bytes = 0;
  const { source, op } = await openRunInput(path, { format: "csv", instanceId: "inst", onOffset: (at) => (bytes = at) });
  return { records: source.records, checker: new RowChecker(source.roles, { instanceId: "inst" }, op, undefined), bytes: () => bytes };
}

/** What the producer queues, in order: [line, contact] of each row placed, from records checked once. */
function placed(together: ContactsTogether, checked: readonly CheckedRecord[]): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  for (const { check } of checked) {
    if (!check.ok) continue;
    for (const h of together.place(check.row, 0)) out.push([h.row.line, h.row.contactId]);
  }
  for (const h of together.rest()) out.push([h.row.line, h.row.contactId]);
  return out;
}

describe("the first pass of contacts kept together", () => {
  it("keeps a small input as checked, in file order, so the producer does not read it again", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cb-together-"));
    const path = join(dir, "night.csv");
    await writeFile(path, exportOf(20));
    const { records, checker, bytes } = await opened(path);
    const { kept } = await ContactsTogether.read(records, checker, bytes);
    expect(kept?.map((k) => k.line)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    expect(kept?.filter((k) => !k.check.ok).map((k) => k.line)).toEqual([9]);
  });

  it("past its bound keeps nothing, and a second read places every row as the kept input would", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cb-together-"));
    const path = join(dir, "night.csv");
    await writeFile(path, exportOf(40));
    const small = await opened(path);
    const keptAll = await ContactsTogether.read(small.records, small.checker, small.bytes);
    const bounded = await opened(path);
    const overRows = await ContactsTogether.read(bounded.records, bounded.checker, bounded.bytes, { rows: 10, bytes: 1 << 20 });
    expect(overRows.kept).toBeUndefined();
    const byBytes = await opened(path);
    expect((await ContactsTogether.read(byBytes.records, byBytes.checker, byBytes.bytes, { rows: 1000, bytes: 100 })).kept).toBeUndefined();
    // The second read, as the producer makes it when nothing was kept.
    const again = await opened(path);
    const reread: CheckedRecord[] = [];
    for await (const rec of again.records) reread.push({ line: rec.line, check: again.checker.check(rec) });
    const fromKept = placed(keptAll.together, keptAll.kept as CheckedRecord[]);
    expect(placed(overRows.together, reread)).toEqual(fromKept);
    // A contact's rows go out together, at its last line: c0's rows first (lines 2, 7, ...), all before c1's.
    expect(fromKept).toHaveLength(39);
    const contacts = fromKept.map(([, c]) => c);
    expect(contacts.slice(0, contacts.lastIndexOf(contacts[0] as string) + 1).every((c) => c === contacts[0])).toBe(true);
  });

  it("places an input that names each contact once row by row, and a second read that repeats one loses no row", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cb-together-"));
    const path = join(dir, "once.csv");
    // Each contact once; line 4 has no contact id (invalid: it names no contact).
    await writeFile(path, "contactId,tier\nc0,a\nc1,b\n,c\nc2,d\n");
    const once = await opened(path);
    const first = await ContactsTogether.read(once.records, once.checker, once.bytes);
    expect(placed(first.together, first.kept as CheckedRecord[])).toEqual([
      [2, "c0"],
      [3, "c1"],
      [5, "c2"],
    ]);
    // The file changed before a second read: c0 now twice. Every row is placed, in file order, none held back.
    await writeFile(path, "contactId,tier\nc0,a\nc1,b\nc0,c\nc2,d\n");
    const changed = await opened(path);
    const reread: CheckedRecord[] = [];
    for await (const rec of changed.records) reread.push({ line: rec.line, check: changed.checker.check(rec) });
    expect(placed(first.together, reread)).toEqual([
      [2, "c0"],
      [3, "c1"],
      [4, "c0"],
      [5, "c2"],
    ]);
  });
});
