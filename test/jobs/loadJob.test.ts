import { chmod, mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { columnRoles } from "../../src/input/columnRoles.js";
import { readCsv } from "../../src/input/readCsv.js";
import { columnMappingOf } from "../../src/jobs/columnMapping.js";
import { JobFileError } from "../../src/jobs/JobFileError.js";
import { jobFlags } from "../../src/jobs/jobFlags.js";
import { loadJob } from "../../src/jobs/loadJob.js";
import { fileNameMatcher, newestMatch } from "../../src/jobs/newestMatch.js";
import { checkRecord } from "../../src/operations/checkRecord.js";
import { operationNamed } from "../../src/operations/registry.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "jobs-"));
});
afterEach(async () => {
  await chmod(dir, 0o700).catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

async function job(name: string, content: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return path;
}

async function file(rel: string, mtime?: Date): Promise<string> {
  const path = join(dir, rel);
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(path, "contactId,a\nc1,x\n");
  if (mtime) await utimes(path, mtime, mtime);
  return path;
}

async function failure(path: string): Promise<string> {
  const err = await loadJob(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(JobFileError);
  const message = (err as Error).message;
  expect(message.startsWith(`${path}: `)).toBe(true);
  expect(message).toMatch(/\.$/);
  expect(message).not.toContain("\n");
  return message.slice(path.length + 2);
}

describe("loadJob", () => {
  it("resolves input relative to the job file's folder", async () => {
    await mkdir(join(dir, "jobs"));
    const path = await job("jobs/nightly.json", { name: "nightly", input: "../exports/contacts.csv" });
    expect(await loadJob(path)).toEqual({
      job: { name: "nightly", input: "../exports/contacts.csv" },
      dir: join(dir, "jobs"),
      inputPath: join(dir, "exports/contacts.csv"),
    });
  });

  it("a plain input need not exist yet (reading it says so)", async () => {
    const path = await job("j.json", { name: "j", input: "missing.csv" });
    expect((await loadJob(path)).inputPath).toBe(join(dir, "missing.csv"));
  });

  it("an absolute input is kept", async () => {
    const path = await job("j.json", { name: "j", input: "/srv/exports/a.csv" });
    expect((await loadJob(path)).inputPath).toBe("/srv/exports/a.csv");
  });

  it("a relative job path works from the current folder", async () => {
    await job("j.json", { name: "j", input: "a.csv" });
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect(await loadJob("j.json")).toMatchObject({ dir, inputPath: join(dir, "a.csv") });
    } finally {
      process.chdir(cwd);
    }
  });

  it("a pattern picks the newest matching file by modification time", async () => {
    await file("exports/contacts-2026-11-20.csv", new Date("2026-11-20T02:00:00Z"));
    const newest = await file("exports/contacts-2026-11-22.csv", new Date("2026-11-22T02:00:00Z"));
    await file("exports/contacts-2026-11-21.csv", new Date("2026-11-21T02:00:00Z"));
    await file("exports/other-2026-11-23.csv", new Date("2026-11-23T02:00:00Z"));
    await file("exports/contacts-2026-11-24.csv.part", new Date("2026-11-24T02:00:00Z"));
    await mkdir(join(dir, "exports/contacts-dir.csv"));
    const path = await job("j.json", { name: "j", input: "exports/contacts-*.csv" });
    expect(await loadJob(path)).toMatchObject({
      inputPath: newest,
      inputNote: "exports/contacts-*.csv matched 3 files; using the newest, contacts-2026-11-22.csv (modified 2026-11-22T02:00:00.000Z)",
    });
  });

  it("one match is said as one", async () => {
    const only = await file("a-1.csv", new Date("2026-01-01T00:00:00Z"));
    const path = await job("j.json", { name: "j", input: "a-?.csv" });
    expect(await loadJob(path)).toMatchObject({ inputPath: only, inputNote: "a-?.csv matched 1 file; using a-1.csv (modified 2026-01-01T00:00:00.000Z)" });
  });

  it("no match names the pattern and the folder", async () => {
    await file("exports/other.csv");
    const path = await job("j.json", { name: "j", input: "exports/contacts-*.csv" });
    expect(await failure(path)).toBe(`"input" "exports/contacts-*.csv" matches no file in ${join(dir, "exports")}.`);
  });

  it("a pattern in a folder that does not exist is no match", async () => {
    const path = await job("j.json", { name: "j", input: "nowhere/*.csv" });
    expect(await failure(path)).toContain(`matches no file in ${join(dir, "nowhere")}`);
  });

  it("a missing job file", async () => {
    expect(await failure(join(dir, "nope.json"))).toBe("cannot read the job file (no such file).");
  });

  it("a folder", async () => {
    await mkdir(join(dir, "d.json"));
    expect(await failure(join(dir, "d.json"))).toBe("cannot read the job file (a folder, not a file).");
  });

  it.each([
    ["a trailing comma", '{\n  "name": "n",\n  "input": "a.csv",\n}', /^not valid JSON \(.+ at line 4, column 1\)\.$/],
    ["a missing colon", '{\n  "name": "n",\n  "input" "a.csv"\n}', /^not valid JSON \(.+ at line 3, column 11\)\.$/],
    ["an empty file", "", /^not valid JSON \(Unexpected end of JSON input\)\.$/],
    ["a bare word", '{"name": nightly}', /^not valid JSON \(.+\)\.$/],
  ])("%s is not valid JSON, said with its line", async (_name, text, expected) => {
    expect(await failure(await job("j.json", text))).toMatch(expected);
  });

  it("a byte-order mark is fine", async () => {
    const path = await job("j.json", `\uFEFF${JSON.stringify({ name: "j", input: "a.csv" })}`);
    expect((await loadJob(path)).job.name).toBe("j");
  });

  it("schema problems name the file and the key", async () => {
    const path = await job("j.json", { name: "j", input: "a.csv", rate: "fast" });
    expect(await failure(path)).toBe('"rate" must be a number above 0, got "fast".');
    const typo = await job("k.json", { name: "j", input: "a.csv", colums: {} });
    expect(await failure(typo)).toBe('unknown key "colums" (did you mean "columns"?).');
  });
});

describe("fileNameMatcher", () => {
  it.each([
    ["contacts-*.csv", "contacts-2026.csv", true],
    ["contacts-*.csv", "contacts-.csv", true],
    ["contacts-*.csv", "contacts-2026.csv.bak", false],
    ["contacts-*.csv", "Contacts-2026.csv", false],
    ["a?.csv", "a1.csv", true],
    ["a?.csv", "a12.csv", false],
    ["a?.csv", "a.csv", false],
    ["*.csv", ".hidden.csv", false],
    [".*.csv", ".hidden.csv", true],
    ["a+(b).csv", "a+(b).csv", true],
    ["a[1].csv", "a[1].csv", true],
    ["a[1].csv", "a1.csv", false],
    ["*", "x", true],
  ])("%s against %s → %s", (pattern, name, expected) => {
    expect(fileNameMatcher(pattern)(name)).toBe(expected);
  });

  it("equal times: the last name wins", async () => {
    const t = new Date("2026-01-01T00:00:00Z");
    await file("x-1.csv", t);
    const last = await file("x-2.csv", t);
    expect(await newestMatch(join(dir, "x-*.csv"))).toEqual({ path: last, mtime: t, count: 2 });
  });
});

describe("jobFlags", () => {
  it("maps every key with a flag, reportsDir made absolute against the job's folder", () => {
    expect(
      jobFlags(
        {
          name: "nightly-crm",
          input: "a.csv",
          instanceId: "inst",
          operation: "UpdateContact",
          format: "csv",
          delimiter: ";",
          columns: { a: "b" },
          constants: { c: "d" },
          onlyChanged: true,
          rate: 8,
          concurrency: 16,
          chunkSize: 500,
          maxContactAge: "24mo",
          minContactDate: "2018-09-12",
          endpoint: "http://127.0.0.1:4566",
          region: "us-east-1",
          reportsDir: "../reports",
          schedule: "0 2 * * *",
          timezone: "UTC",
          notify: "https://hooks.example.com/x",
        },
        "/srv/jobs",
      ),
    ).toEqual({
      "job-name": "nightly-crm",
      "instance-id": "inst",
      operation: "UpdateContact",
      format: "csv",
      delimiter: ";",
      "only-changed": true,
      rate: 8,
      concurrency: 16,
      "chunk-size": 500,
      "max-contact-age": "24mo",
      "min-contact-date": "2018-09-12",
      endpoint: "http://127.0.0.1:4566",
      region: "us-east-1",
      "reports-dir": "/srv/reports",
      notify: "https://hooks.example.com/x",
    });
  });

  it("keys left out give no flag; false is a value", () => {
    expect(jobFlags({ name: "j", input: "a.csv", onlyChanged: false }, "/x")).toEqual({ "job-name": "j", "only-changed": false });
  });

  it("names only flags the command line has, typed as it types them (but --only-changed and --job-name, still to come)", async () => {
    const { flagSpecOf } = await import("../../src/config/options.js");
    const spec: Record<string, string> = flagSpecOf("run");
    const flags = jobFlags(
      {
        name: "j",
        input: "a.csv",
        instanceId: "i",
        operation: "UpdateContact",
        format: "csv",
        delimiter: ";",
        onlyChanged: true,
        rate: 1,
        concurrency: 2,
        chunkSize: 3,
        maxContactAge: "1d",
        minContactDate: "2020-01-01",
        endpoint: "http://x",
        region: "r",
        reportsDir: "d",
      },
      "/",
    );
    for (const [flag, value] of Object.entries(flags)) expect([flag, typeof value]).toEqual([flag, spec[flag]]);
  });
});

describe("the example jobs", () => {
  it.each(["nightly-crm.json", "update-contact.json"])("jobs/%s loads, and every row of its data is valid", async (name) => {
    const { job, inputPath } = await loadJob(join(import.meta.dirname, "../../jobs", name));
    const csv = await readCsv(inputPath, { delimiter: job.delimiter ?? "," });
    const roles = columnRoles(csv.header, inputPath, columnMappingOf(job));
    const op = operationNamed(job.operation);
    let rows = 0;
    for await (const rec of csv.records) {
      expect(checkRecord(rec, roles, { instanceId: job.instanceId }, op)).toMatchObject({ ok: true });
      rows++;
    }
    expect(rows).toBeGreaterThanOrEqual(10);
  });
});
