import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCsv } from "../../src/input/readCsv.js";
import type { SourceRecord } from "../../src/input/SourceRecord.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "plain-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Everything readCsv gives for a file: header, records, blank lines, and the byte offsets it reports. */
async function readAll(path: string, parserOnly: boolean, delimiter = ",") {
  try {
    const src = await readCsv(path, { parserOnly, delimiter });
    const records: SourceRecord[] = [];
    for await (const r of src.records) records.push(r);
    return { header: src.header, records, blank: src.blankLines() };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** A small deterministic generator (LCG), so a failure can be replayed from its seed. */
function generator(seed: number) {
  let s = seed;
  return (n: number) => {
    s = (s * 48271) % 2_147_483_647;
    return s % n;
  };
}

/**
 * A file of mostly plain records (what the plain split takes) with, now and then, what only csv-parse may
 * read: a quoted field, a stray CR or LF, an unclosed quote, plus rows that are blank, all empty, ragged or
 * not UTF-8, multi-byte characters (some across the reader's 64 KiB chunks), a byte-order mark, no final line end.
 */
function fileOf(seed: number): { bytes: Buffer; delimiter: string; clean: boolean } {
  const rnd = generator(seed);
  const delimiter = [",", ";", "\t"][rnd(3)] as string;
  const eol = ["\n", "\r\n", "\r"][rnd(3)] as string;
  const plainUntil = rnd(4) === 0 ? Number.POSITIVE_INFINITY : rnd(4000);
  // How fields are quoted: never, every field (as some CRM exports write them), or now and then.
  const quoting = rnd(3);
  const cells = ["a", "b c", "é", "€", "😀", "x".repeat(40), "'=1", " ", "", "1.50", "-", delimiter, '"'];
  const quote = (f: string) => `"${f.replace(/"/g, '""')}"`;
  // "\nz\rq": a stray LF, then a stray CR in the same record (its record must start at the terminator before the LF).
  const odd = ['"', '"q"', "\r", "\n", "\r\n", "\nz\rq", "\rz\nq", '"un', 'x"y', `${delimiter}"a${eol}b"`, `${delimiter}"x"y`, `${delimiter}"1" `];
  const parts: Buffer[] = [];
  if (rnd(5) === 0) parts.push(Buffer.from([0xef, 0xbb, 0xbf]));
  const header = ["contactId", "a", "b"].map((h) => (quoting === 1 ? quote(h) : h));
  parts.push(Buffer.from(header.join(delimiter) + eol));
  const rows = 1500 + rnd(3000);
  for (let i = 0; i < rows; i++) {
    const kind = rnd(100);
    let text: string;
    if (kind === 0) text = "";
    else if (kind === 1) text = ["", "", ""].join(delimiter);
    else if (kind === 2) text = [`c${i}`, "a"].join(delimiter);
    else {
      const field = () => Array.from({ length: rnd(4) }, () => cells[rnd(cells.length)]).join("");
      const written = (f: string) => (quoting === 1 || (quoting === 2 && rnd(3) === 0) || f.includes(delimiter) || f.startsWith('"') ? quote(f) : f);
      text = [`c${i}`, field(), field()].map(written).join(delimiter);
    }
    if (i >= plainUntil && rnd(20) === 0) text += odd[rnd(odd.length)];
    if (kind === 3) {
      parts.push(Buffer.from(text), Buffer.from([0xc3]), Buffer.from(eol));
      continue;
    }
    parts.push(Buffer.from(i === rows - 1 && rnd(2) === 0 ? text : text + eol));
  }
  return { bytes: Buffer.concat(parts), delimiter, clean: plainUntil === Number.POSITIVE_INFINITY };
}

describe("quote-free records split without csv-parse", () => {
  it("give what csv-parse gives, record for record, whatever the file (90 generated files)", async () => {
    let cleanFiles = 0;
    for (let seed = 1; seed <= 90; seed++) {
      const { bytes, delimiter, clean } = fileOf(seed * 7919);
      const path = join(dir, `f${seed}.csv`);
      await writeFile(path, bytes);
      const fast = await readAll(path, false, delimiter);
      const parsed = await readAll(path, true, delimiter);
      expect(fast, `seed ${seed * 7919}`).toEqual(parsed);
      if (clean) cleanFiles++;
    }
    // Some files hold no odd record at all, so the split is compared over whole files too, not just up to a handover.
    expect(cleanFiles).toBeGreaterThan(5);
  });

  it("hand csv-parse a CRLF file's record whole when it holds a stray LF before a stray CR (a row was lost)", async () => {
    for (const content of [
      "contactId,a\r\nW1,note\nW2,val\rmore\r\nW3,ok\r\n",
      'contactId,a,b\r\nQA1,"x\ny\rz",w\r\nQA2,ok,ok\r\n',
      "contactId,a\r\nlost1,v1\nkeep2,v2\rkeep3,v3\r\nkeep4,v4\r\n",
    ]) {
      const path = join(dir, "stray.csv");
      await writeFile(path, content);
      expect(await readAll(path, false), JSON.stringify(content)).toEqual(await readAll(path, true));
    }
  });

  it("give what csv-parse gives for small files with line ends of every kind everywhere (1,500 generated files)", async () => {
    const pieces = ["a", "b", ",", '"', "\r", "\n", "\r\n", "x,y", '""'];
    const rnd = generator(4242);
    for (let t = 0; t < 1500; t++) {
      const eol = t % 2 === 0 ? "\n" : "\r\n";
      let content = `contactId,a${eol}`;
      for (let i = 0, n = 1 + rnd(6); i < n; i++) content += `c${i},${Array.from({ length: rnd(5) }, () => pieces[rnd(pieces.length)]).join("")}${eol}`;
      const path = join(dir, "small.csv");
      await writeFile(path, content);
      expect(await readAll(path, false), JSON.stringify(content)).toEqual(await readAll(path, true));
    }
  });

  it("hand csv-parse a file from its first byte when its header is quoted, and agree on odd headers", async () => {
    for (const content of ['"contactId",a\nc1,x\n', "\uFEFFcontactId,a\r\nc1,x\r\n", "contactId,a", "contactId,a\r", "\n\nc1,x\n", "contactId,a\rc1,x\nc2,y\r"]) {
      const path = join(dir, "h.csv");
      await writeFile(path, content);
      expect(await readAll(path, false), JSON.stringify(content)).toEqual(await readAll(path, true));
    }
  });
});
