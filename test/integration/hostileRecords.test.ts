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
    const res = await cli([
      "run",
      file,
      "--instance-id",
      "i",
      "--run-id",
      "hostile",
      "--prefix",
      h.prefix,
      "--endpoint",
      h.endpoint,
      "--reports-dir",
      join(h.dir, "reports"),
      "--quiet",
    ]);
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

  it("JSON numbers reach the contact as written; members naming one thing twice make their row invalid, naming both", async () => {
    h = await harness();
    const file = await h.file(
      "numbers.jsonl",
      [
        '{"contactId":"n1","attributes":{"acct":12345678901234567890,"price":1.50,"big":123456789012345678901234567890,"n":7}}',
        '{"contactId":"n2","ContactId":"n3","attributes":{"a":"1"}}',
        '{"contactId":"n4","attributes":{"a":"1"},"Attributes":{"b":"2"}}',
        '{"contactId":"n5","instanceId":"","InstanceId":"i","attributes":{"a":"1"}}',
        '{"contactId":"n6","attributes":{"a":"6"}}',
      ].join("\n") + "\n",
    );
    const reports = join(h.dir, "reports");
    const res = await cli([
      "run",
      file,
      "--instance-id",
      "i",
      "--run-id",
      "numbers",
      "--prefix",
      h.prefix,
      "--endpoint",
      h.endpoint,
      "--reports-dir",
      reports,
      "--quiet",
    ]);
    expect(res.code).toBe(3);
    expect(h.sim.attributesOf("i", "n1")).toEqual({ acct: "12345678901234567890", price: "1.50", big: "123456789012345678901234567890", n: "7" });
    const out = await readReport(join(reports, "numbers", "outcomes.csv"));
    expect(out.map((o) => [o.line, o.status, o.errorCode, o.message])).toEqual([
      ["1", "updated", "", ""],
      ["2", "invalid", "AmbiguousMembers", 'line 2 has both "contactId" and "ContactId", which name the same thing; keep one'],
      ["3", "invalid", "AmbiguousMembers", 'line 3 has both "attributes" and "Attributes", which name the same thing; keep one'],
      ["4", "invalid", "AmbiguousMembers", 'line 4 has both "instanceId" and "InstanceId", which name the same thing; keep one'],
      ["5", "updated", "", ""],
    ]);
    for (const c of ["n2", "n3", "n4", "n5"]) expect(h.sim.attributesOf("i", c)).toBeUndefined();
  });

  it("a valid CSV whose second line holds a 5 MB field: that row is invalid, the rest of the file runs", async () => {
    h = await harness();
    const file = await h.file("bigfield.csv", `contactId,instanceId,note,extra99\nb1,i,${"x".repeat(5 * 1024 * 1024)},y\nb2,i,ok,z\n`);
    const reports = join(h.dir, "reports");
    const res = await cli(["run", file, "--run-id", "bigfield", "--prefix", h.prefix, "--endpoint", h.endpoint, "--reports-dir", reports, "--quiet"]);
    expect(res.stderr).not.toMatch(/no header line/);
    expect(res.code).toBe(3);
    const out = await readReport(join(reports, "bigfield", "outcomes.csv"));
    expect(out.map((o) => [o.line, o.status, o.errorCode])).toEqual([
      ["2", "invalid", "RecordTooLarge"],
      ["3", "updated", ""],
    ]);
    expect(h.sim.attributesOf("i", "b2")).toEqual({ note: "ok", extra99: "z" });
  });

  it("an impossible zone offset is InvalidTimestamp; year 0000 is said as year 0000, not 1900", async () => {
    h = await harness();
    const file = await h.file(
      "times.csv",
      csv([
        ["contactId", "initiationTimestamp", "a"],
        ["t1", "2018-09-11T23:59:59+99:99", "1"],
        ["t2", "0000-01-01", "2"],
        ["t3", new Date(Date.now() - 86_400_000).toISOString().replace("Z", "+00:00"), "3"],
      ]),
    );
    const reports = join(h.dir, "reports");
    const res = await cli([
      "run",
      file,
      "--instance-id",
      "i",
      "--run-id",
      "times",
      "--prefix",
      h.prefix,
      "--endpoint",
      h.endpoint,
      "--reports-dir",
      reports,
      "--quiet",
    ]);
    expect(res.code).toBe(3);
    const out = await readReport(join(reports, "times", "outcomes.csv"));
    expect(out.map((o) => [o.line, o.status, o.errorCode])).toEqual([
      ["2", "invalid", "InvalidTimestamp"],
      ["3", "skipped_pre_api", expect.any(String)],
      ["4", "updated", ""],
    ]);
    expect(out[1]?.message).toMatch(/^line 3: contact started 0000-01-01T00:00:00\.000Z, before 2018-09-12/);
  });

  it("a CSV column named __proto__ is an attribute like any other", async () => {
    h = await harness();
    const file = await h.file(
      "proto.csv",
      csv([
        ["contactId", "__proto__"],
        ["p1", "kept"],
      ]),
    );
    const res = await cli(["run", file, "--instance-id", "i", "--prefix", h.prefix, "--endpoint", h.endpoint, "--reports-dir", join(h.dir, "reports"), "--quiet"]);
    expect(res.code).toBe(0);
    expect(Object.entries(h.sim.attributesOf("i", "p1") ?? {})).toEqual([["__proto__", "kept"]]);
  });
});

describe("inputs that are not text, or not still", () => {
  // No endpoint is given (AWS's, which need not answer here): the file is the user's own, and is said first.
  it.each([
    ["/dev/zero as CSV", "enqueue", "/dev/zero", "csv", /the file holds NUL bytes; it is not a CSV or JSONL text file/],
    ["/dev/zero as JSONL", "enqueue", "/dev/zero", "jsonl", /the file holds NUL bytes/],
    ["/dev/zero as CSV, by run", "run", "/dev/zero", "csv", /the file holds NUL bytes; it is not a CSV or JSONL text file/],
  ])("%s: one sentence at once, no spinning", async (_name, command, path, format, message) => {
    const t0 = Date.now();
    const res = await cli([command, path, "--format", format, "--instance-id", "i", "--prefix", "cbt-never-used"]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(message);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it("an empty JSONL file (no bytes, or blank lines only) is refused as an empty CSV is: exit 1, one sentence, nothing queued", async () => {
    h = await harness();
    for (const [name, content] of [
      ["empty.jsonl", ""],
      ["blank.jsonl", "\n  \n\r\n"],
    ] as const) {
      const file = await h.file(name, content);
      for (const args of [
        ["run", file, "--instance-id", "i"],
        ["enqueue", file],
        ["run", file, "--dry-run", "--instance-id", "i"],
      ]) {
        const res = await cli([...args, "--prefix", h.prefix, "--endpoint", h.endpoint, "--reports-dir", join(h.dir, "reports")]);
        expect(res.code, `${args.join(" ")}: ${res.stderr}`).toBe(1);
        expect(res.stderr).toContain(`${name}: the file is empty (no line holds a JSON object); a JSONL file has one object per line.`);
      }
    }
    expect((await cli(["status", "--prefix", h.prefix])).stdout.trim()).toBe("no runs on this Redis");
    expect(h.sim.acceptedCount()).toBe(0);
  });

  it("UTF-16 with or without a byte-order mark is named; a CSV without any line end is not read for ever", async () => {
    h = await harness();
    const text = "contactId,a\r\nc1,x\r\n";
    const withBom = await h.file("bom16.csv", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]));
    const noBom = await h.file("nobom16.csv", Buffer.from(text, "utf16le"));
    const oneLine = await h.file("oneline.csv", "x".repeat(5 * 1024 * 1024));
    const common = ["--instance-id", "i", "--prefix", h.prefix];
    expect((await cli(["enqueue", withBom, ...common])).stderr).toMatch(
      /bom16\.csv: the file is UTF-16 text; save it as UTF-8 \(in Excel: "CSV UTF-8"\) and run it again\./,
    );
    expect((await cli(["enqueue", noBom, ...common])).stderr).toMatch(/nobom16\.csv: the file looks like UTF-16 text without a byte-order mark; save it as UTF-8/);
    expect((await cli(["enqueue", oneLine, ...common])).stderr).toMatch(
      /oneline\.csv: (no header line in its first 4 MiB; is this a CSV file\?|the header line is larger than)/,
    );
    expect((await cli(["status", "--prefix", h.prefix])).stdout.trim()).toBe("no runs on this Redis");
  });

  it("a file that grows while it is read is said to have changed", async () => {
    h = await harness();
    const lines = ["contactId,a"];
    for (let i = 0; i < 200_000; i++) lines.push(`g${i},${i}`);
    const file = await h.file("growing.csv", `${lines.join("\n")}\n`);
    // An export still being written: rows keep arriving while enqueue reads.
    const { appendFile } = await import("node:fs/promises");
    // Until enqueue ends, however long the process takes to start on a loaded machine.
    let ended = false;
    const writer = (async () => {
      for (let i = 0; !ended; i++) {
        await appendFile(file, `late${i},${i}\n`);
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    // The whole file at once: no worker makes room for a window here. Aimed at the simulator: enqueue checks
    // that the run's endpoint answers before it queues, and AWS's does not answer from every test machine.
    const res = await cli(["enqueue", file, "--instance-id", "i", "--prefix", h.prefix, "--endpoint", h.endpoint, "--run-id", "grow", "--queue-window", "0"]);
    ended = true;
    await writer;
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(
      /warning: .*growing\.csv changed while it was read \(\d+ bytes at the start, \d+ at the end\); run grow holds the \d+ rows as they were read/,
    );
  });
});
