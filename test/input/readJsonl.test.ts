import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InputFileError } from "../../src/input/InputFileError.js";
import { openSource } from "../../src/input/openSource.js";
import { readJsonl } from "../../src/input/readJsonl.js";
import { textOf } from "../../src/input/jsonValues.js";
import { MAX_RECORD_BYTES, type SourceRecord } from "../../src/input/SourceRecord.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "readjsonl-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fileOf(content: string | Buffer): Promise<string> {
  const path = join(dir, "in.jsonl");
  await writeFile(path, content);
  return path;
}

async function read(content: string | Buffer): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const r of readJsonl(await fileOf(content))) out.push(r);
  return out;
}

/** [line, object] for good records, [line, "Code"] for malformed ones. */
function brief(records: SourceRecord[]): Array<[number, unknown]> {
  return records.map((r) => [r.line, r.kind === "object" ? r.value : r.kind === "malformed" ? r.code : r.fields]);
}

const A = { contactId: "c1", attributes: { tier: "gold" } };
const B = { InitialContactId: "c2", InstanceId: "i", Attributes: { n: 1 } };
const a = JSON.stringify(A);
const b = JSON.stringify(B);

describe("readJsonl", () => {
  const cases: Array<[name: string, content: string | Buffer, expected: Array<[number, unknown]>]> = [
    [
      "good objects, LF",
      `${a}\n${b}\n`,
      [
        [1, A],
        [2, B],
      ],
    ],
    [
      "CRLF",
      `${a}\r\n${b}\r\n`,
      [
        [1, A],
        [2, B],
      ],
    ],
    [
      "last line without newline",
      `${a}\n${b}`,
      [
        [1, A],
        [2, B],
      ],
    ],
    [
      "BOM on line 1",
      `\uFEFF${a}\n${b}\n`,
      [
        [1, A],
        [2, B],
      ],
    ],
    [
      "blank lines skipped, still counted",
      `\n${a}\n\n  \n\r\n${b}\n\n`,
      [
        [2, A],
        [6, B],
      ],
    ],
    ["unicode values", `{"contactId":"c","attributes":{"n":"José 😀 €"}}\n`, [[1, { contactId: "c", attributes: { n: "José 😀 €" } }]]],
    [
      "bad JSON",
      `${a}\n{"contactId": \n${b}\n`,
      [
        [1, A],
        [2, "MalformedJson"],
        [3, B],
      ],
    ],
    ["trailing comma", `{"a":1,}\n`, [[1, "MalformedJson"]]],
    [
      "array line",
      `[1,2]\n${a}\n`,
      [
        [1, "NotAnObject"],
        [2, A],
      ],
    ],
    [
      "number line",
      `42\n${a}\n`,
      [
        [1, "NotAnObject"],
        [2, A],
      ],
    ],
    ["string line", `"text"\n`, [[1, "NotAnObject"]]],
    [
      "null line",
      `null\n${a}\n`,
      [
        [1, "NotAnObject"],
        [2, A],
      ],
    ],
    ["true line", `true\n`, [[1, "NotAnObject"]]],
    [
      "invalid UTF-8",
      Buffer.concat([Buffer.from(`${a}\n{"contactId":"`), Buffer.from([0xff, 0xfe]), Buffer.from(`"}\n${b}\n`)]),
      [
        [1, A],
        [2, "InvalidUtf8"],
        [3, B],
      ],
    ],
    [
      "truncated multi-byte character",
      Buffer.concat([Buffer.from('{"contactId":"'), Buffer.from([0xe2, 0x82]), Buffer.from(`"}\n${a}\n`)]),
      [
        [1, "InvalidUtf8"],
        [2, A],
      ],
    ],
    ["empty file", "", []],
    ["only blank lines", "\n\n\r\n", []],
  ];

  it.each(cases)("%s", async (_name, content, expected) => {
    expect(brief(await read(content))).toEqual(expected);
  });

  it("counts its blank lines for the summary (empty, spaces, a lone CR, the last without a line end); the last line's end is no line", async () => {
    let blank = 0;
    const out: SourceRecord[] = [];
    for await (const r of readJsonl(await fileOf(`\n${a}\n\n  \n\r\n${b}\n \n`), undefined, () => blank++)) out.push(r);
    expect(out).toHaveLength(2);
    expect(blank).toBe(5);
    blank = 0;
    for await (const _ of readJsonl(await fileOf(`${a}\n${b}\n  `), undefined, () => blank++));
    expect(blank).toBe(1);
  });

  it("a row naming a member twice is that line's DuplicateMember, not the last value sent; the lines after it are read", async () => {
    const twice = '{"contactId":"c9","attributes":{"tier":"gold","tier":"silver"}}';
    const out = await read(`${a}\n${twice}\n${b}\n`);
    expect(brief(out)).toEqual([
      [1, A],
      [2, "DuplicateMember"],
      [3, B],
    ]);
    const bad = out[1] as Extract<SourceRecord, { kind: "malformed" }>;
    expect(bad.reason).toBe('names "tier" twice in "attributes"; JSON keeps only the last, and which was meant cannot be told');
    expect(bad.raw).toBe(twice);
    // Its outcome names its contact; not when the id is what is named twice.
    expect(bad.ids).toEqual({ contactId: "c9", instanceId: undefined });
    const ids = (await read('{"contactId":"a","contactId":"b","attributes":{"t":"1"}}\n'))[0] as Extract<SourceRecord, { kind: "malformed" }>;
    expect(ids.ids).toBeUndefined();
  });

  it("a NUL, raw or written \\u0000, is the line's NulCharacter as in a CSV line, but not in a # member", async () => {
    const out = await read(
      `{"contactId":"j2","attributes":{"a":"x\\u0000y"}}\n{"contactId":"j3","attributes":{"a":"x\u0000y"}}\n{"contactId":"j4","attributes":{"a":"1"},"#n":"\\u0000"}\n`,
    );
    expect(brief(out).map(([l, v]) => [l, typeof v === "string" ? v : "object"])).toEqual([
      [1, "NulCharacter"],
      [2, "NulCharacter"],
      [3, "object"],
    ]);
    expect((out[0] as Extract<SourceRecord, { kind: "malformed" }>).ids).toEqual({ contactId: "j2", instanceId: undefined });
  });

  it("half a surrogate pair written \\ud800 is the line's InvalidUtf8 (no text the service takes), a whole pair written so is a character", async () => {
    const out = await read(
      `{"contactId":"s1","attributes":{"a":"x\\ud800y"}}\n{"contactId":"s2","attributes":{"\\udc00":"1"}}\n{"contactId":"s3","attributes":{"a":"\\ud83d\\ude00"}}\n{"contactId":"s4","attributes":{"a":"1"},"#n":"\\ud800"}\n`,
    );
    expect(brief(out).map(([l, v]) => [l, typeof v === "string" ? v : "object"])).toEqual([
      [1, "InvalidUtf8"],
      [2, "InvalidUtf8"],
      [3, "object"],
      [4, "object"],
    ]);
    expect((out[0] as Extract<SourceRecord, { kind: "malformed" }>).ids).toEqual({ contactId: "s1", instanceId: undefined });
    expect((out[2] as Extract<SourceRecord, { kind: "object" }>).value.attributes).toEqual({ a: "😀" });
  });

  it("malformed records explain themselves and keep the text", async () => {
    const [bad, arr, nul] = await read(`{"x": oops}\n[1]\nnull\n`);
    expect(bad).toMatchObject({ kind: "malformed", code: "MalformedJson", raw: '{"x": oops}' });
    expect((bad as { reason: string }).reason).toMatch(/not valid JSON/);
    expect((arr as { reason: string }).reason).toMatch(/an array/);
    expect((nul as { reason: string }).reason).toMatch(/null/);
  });

  it("a stray BOM on a later line does not change the value", async () => {
    const records = await read(`${a}\n\uFEFF${b}\n`);
    expect(brief(records)).toEqual([
      [1, A],
      [2, B],
    ]);
  });

  describe("lines over 1 MiB", () => {
    const huge = `{"contactId":"c","attributes":{"v":"${"x".repeat(MAX_RECORD_BYTES)}"}}`;

    it("are RecordTooLarge and the next line is read with the right number", async () => {
      const records = await read(`${a}\n${huge}\n\n${b}\n`);
      expect(brief(records)).toEqual([
        [1, A],
        [2, "RecordTooLarge"],
        [4, B],
      ]);
      const rec = records[1] as Extract<SourceRecord, { kind: "malformed" }>;
      expect(rec.raw.length).toBeLessThanOrEqual(200);
      expect(rec.raw.startsWith('{"contactId":"c"')).toBe(true);
    });

    it("as the last line without a newline", async () => {
      expect(brief(await read(`${a}\n${huge}`))).toEqual([
        [1, A],
        [2, "RecordTooLarge"],
      ]);
    });

    it("two in a row", async () => {
      expect(brief(await read(`${huge}\r\n${huge}\r\n${a}\r\n`))).toEqual([
        [1, "RecordTooLarge"],
        [2, "RecordTooLarge"],
        [3, A],
      ]);
    });

    it("a line just under the limit is read", async () => {
      const value = "y".repeat(MAX_RECORD_BYTES - 100);
      const records = await read(`{"contactId":"c","attributes":{"v":"${value}"}}\n${a}\n`);
      expect(brief(records).map(([line]) => line)).toEqual([1, 2]);
      expect(records[0]).toMatchObject({ kind: "object", value: { attributes: { v: value } } });
    });
  });

  it("decodes multi-byte characters split across chunks", async () => {
    const lines = Array.from({ length: 8000 }, (_, i) => JSON.stringify({ contactId: `c${i}`, attributes: { v: `é${"€".repeat(i % 9)}😀${i}` } }));
    const content = `${lines.join("\n")}\n`;
    expect(Buffer.byteLength(content)).toBeGreaterThan(2 * 256 * 1024);
    const records = await read(content);
    expect(records).toHaveLength(8000);
    records.forEach((r, i) => {
      expect(r).toEqual({ kind: "object", line: i + 1, value: JSON.parse(lines[i] as string) });
    });
  });

  it("numbers keep the text they were written with; strings, escapes and __proto__ read as JSON.parse reads them", async () => {
    const line =
      '{"contactId":7,"attributes":{"acct":12345678901234567890,"price":1.50,"big":123456789012345678901234567890,' +
      '"e":1e2,"neg":-0,"n":42,"f":0.1,"s":"a\\"b\\u00e9\\\\","t":true,"z":null,"__proto__":1.0,"arr":[1.10,{"x":2}]}}\n';
    const [rec] = await read(line);
    if (rec?.kind !== "object") throw new Error(`expected an object, got ${JSON.stringify(rec)}`);
    const attrs = rec.value.attributes as Record<string, unknown>;
    const texts = Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, textOf(v) ?? v]));
    expect(texts).toEqual({
      acct: "12345678901234567890",
      price: "1.50",
      big: "123456789012345678901234567890",
      e: "1e2",
      neg: "-0",
      n: "42",
      f: "0.1",
      s: 'a"bé\\',
      t: "true",
      z: null,
      ["__proto__"]: "1.0",
      arr: attrs.arr,
    });
    expect(Object.hasOwn(attrs, "__proto__")).toBe(true);
    expect(textOf(rec.value.contactId)).toBe("7");
    // Queued or handed on, a kept number is the number JSON.parse would have made.
    expect(JSON.stringify(rec.value)).toBe(JSON.stringify(JSON.parse(line)));
  });

  describe("through openSource", () => {
    it("reads all records, the first included", async () => {
      const src = await openSource(await fileOf(`${a}\n${b}\n`), "jsonl");
      expect(src.shape).toEqual({ format: "jsonl" });
      expect(src.roles).toBeUndefined();
      const out: SourceRecord[] = [];
      for await (const r of src.records) out.push(r);
      expect(brief(out)).toEqual([
        [1, A],
        [2, B],
      ]);
    });

    it("an empty file, or one of blank lines only, is refused at open (as an empty CSV is)", async () => {
      for (const content of ["", "\n \r\n"]) {
        const path = await fileOf(content);
        await expect(openSource(path, "jsonl")).rejects.toThrow(InputFileError);
        await expect(openSource(path, "jsonl")).rejects.toThrow(`${path}: the file is empty (no line holds a JSON object); a JSONL file has one object per line.`);
      }
    });

    it("a missing file fails at open with InputFileError", async () => {
      const path = join(dir, "missing.jsonl");
      await expect(openSource(path, "jsonl")).rejects.toThrow(InputFileError);
      await expect(openSource(path, "jsonl")).rejects.toThrow(`${path}: no such file.`);
    });

    it("a directory fails at open with InputFileError", async () => {
      const path = join(dir, "sub.jsonl");
      await mkdir(path);
      await expect(openSource(path, "jsonl")).rejects.toThrow(/is a directory/);
    });
  });
});
