import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, scrub } from "../../src/log/createLogger.js";

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { lines, stream };
}

describe("logger", () => {
  it("redacts attribute values, credentials and passwords wherever they appear", () => {
    const { lines, stream } = capture();
    const log = createLogger("debug", stream);
    log.info(
      {
        attributes: { tier: "CUSTOMER-SECRET" },
        row: { Attributes: { x: "CUSTOMER-SECRET" } },
        credentials: { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG" },
        sessionToken: "FwoGZXIvYXdzEXAMPLE",
        password: "hunter2",
      },
      "context",
    );
    const out = lines.join("");
    for (const secret of ["CUSTOMER-SECRET", "AKIAEXAMPLE", "wJalrXUtnFEMI", "FwoGZXIvYXdzEXAMPLE", "hunter2"]) expect(out).not.toContain(secret);
    expect(out).toContain("[redacted]");
    expect(JSON.parse(lines[0] as string)).toMatchObject({ level: 30, msg: "context", app: "connect-backfill" });
  });

  it("scrubs secrets out of error messages and free text", () => {
    const { lines, stream } = capture();
    const log = createLogger("info", stream);
    log.error({ err: new Error("connect failed for redis://:hunter2@redis.internal:6379 (aws_secret_access_key=wJalrXUtnFEMI)") }, "boom");
    log.warn("retrying redis://user:pa55word@host:6379/0");
    const out = lines.join("");
    expect(out).not.toContain("hunter2");
    expect(out).not.toContain("wJalrXUtnFEMI");
    expect(out).not.toContain("pa55word");
    expect(out).toContain("redis://:***@redis.internal:6379");
  });

  it.each([
    ["redis://:pw@h:1", "redis://:***@h:1"],
    ["rediss://user:pw@h:1/0", "rediss://user:***@h:1/0"],
    ["Credential=AKIAABCDEF/20261121/us-east-1/connect", "Credential=***/20261121/us-east-1/connect"],
    ["nothing secret here", "nothing secret here"],
  ])("scrub(%j)", (input, expected) => {
    expect(scrub(input)).toBe(expected);
  });
});
