import { describe, expect, it } from "vitest";
import { AppError, RunNotFoundError } from "../../src/app/AppError.js";
import { knownError } from "../../src/app/knownError.js";
import { CliError, fatalError, usageError } from "../../src/cli/exitCodes.js";
import { ConfigError } from "../../src/config/ConfigError.js";
import { InputFileError, MissingInstanceIdError } from "../../src/input/InputFileError.js";
import { JobFileError } from "../../src/jobs/JobFileError.js";
import { BackfillError } from "../../src/lib/errors.js";
import { RedisUnavailableError } from "../../src/queue/redisConnection.js";
import { RedisRefusedError } from "../../src/queue/redisTrouble.js";
import { ReportDirLockedError } from "../../src/report/reportDirLock.js";

// Every error a person reads: its stable code and how the command line ends (usage: exit 2, cannot-run: exit 1).
const TABLE: ReadonlyArray<readonly [string, BackfillError, string, "usage" | "cannot-run"]> = [
  ["ConfigError", new ConfigError("m"), "bad-option", "usage"],
  ["JobFileError", new JobFileError("m"), "bad-job-file", "usage"],
  ["MissingInstanceIdError", new MissingInstanceIdError("m"), "missing-instance-id", "usage"],
  ["CliError (usage)", usageError("m"), "usage", "usage"],
  ["CliError (fatal)", fatalError("m"), "cannot-run", "cannot-run"],
  ["InputFileError", new InputFileError("m"), "bad-input-file", "cannot-run"],
  ["AppError", new AppError("m"), "cannot-run", "cannot-run"],
  ["RunNotFoundError", new RunNotFoundError("r1", "cb"), "run-not-found", "cannot-run"],
  ["ReportDirLockedError", new ReportDirLockedError("m"), "reports-locked", "cannot-run"],
  ["RedisUnavailableError", new RedisUnavailableError("m"), "redis-unavailable", "cannot-run"],
  ["RedisRefusedError", new RedisRefusedError("m"), "redis-refused", "cannot-run"],
];

describe("the error base", () => {
  it.each(TABLE)("%s: code and exit category", (_, err, code, category) => {
    expect(err).toBeInstanceOf(BackfillError);
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe(code);
    expect(err.category).toBe(category);
    expect(err.message).not.toBe("");
  });

  it("keeps each class's name and place in the hierarchy (programs catch them by class)", () => {
    expect(new MissingInstanceIdError("m")).toBeInstanceOf(InputFileError);
    expect(new RunNotFoundError("r1", "cb")).toBeInstanceOf(AppError);
    expect(new RunNotFoundError("r1", "cb").name).toBe("RunNotFoundError");
    expect(new ConfigError("m").name).toBe("ConfigError");
    expect(usageError("m")).toBeInstanceOf(CliError);
  });

  it("an AppError that wraps another keeps the other's code", () => {
    const locked = new ReportDirLockedError("held");
    const wrapped = new AppError(locked.message, { code: locked.code });
    expect(wrapped.code).toBe(ReportDirLockedError.code);
    expect(wrapped.category).toBe("cannot-run");
  });
});

describe("knownError", () => {
  it("says a Redis refusal met anywhere as one sentence", () => {
    const said = knownError(new Error("OOM command not allowed when used memory > 'maxmemory'."));
    expect(said).toBeInstanceOf(RedisRefusedError);
    expect((said as Error).message).toMatch(/^Redis is full/);
  });

  it("keeps errors already said, and leaves others alone", () => {
    const unreachable = new RedisUnavailableError("Cannot reach Redis at redis://x (connect ECONNREFUSED 127.0.0.1:1); start one");
    expect(knownError(unreachable)).toBe(unreachable);
    const other = new Error("boom");
    expect(knownError(other)).toBe(other);
  });
});
