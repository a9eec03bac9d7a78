import { describe, expect, it } from "vitest";
import * as api from "../src/index.js";

// The public API is a list kept on purpose: a name appears here when it is meant
// for programs embedding the tool, and a change to it is a change of contract.
describe("public API (src/index.ts)", () => {
  it("exports exactly the curated names", () => {
    expect(Object.keys(api).sort()).toEqual(
      [
        "AppError",
        "BackfillWorker",
        "ConfigError",
        "ConnectSimulator",
        "InputFileError",
        "MissingInstanceIdError",
        "OPERATION_NAMES",
        "RedisRefusedError",
        "RedisUnavailableError",
        "RunNotFoundError",
        "STATUSES",
        "cancelRun",
        "checkRecord",
        "createConnectClient",
        "dryRunFile",
        "followRun",
        "formatOf",
        "listRuns",
        "loadConfig",
        "main",
        "openContext",
        "openSource",
        "operationNamed",
        "pruneRuns",
        "resumeRun",
        "retryRun",
        "rollbackRun",
        "runFile",
        "runQueued",
        "runStatus",
        "workQueue",
        "writeRunReport",
      ].sort(),
    );
  });

  it("names both operations, and each checks a record through the same entry point", () => {
    expect(api.OPERATION_NAMES).toEqual(["UpdateContactAttributes", "UpdateContact"]);
    const defaults = { instanceId: "i" };
    const attrs = api.checkRecord(
      { kind: "object", line: 2, value: { contactId: "c", attributes: { tier: "gold" } } },
      undefined,
      defaults,
      api.operationNamed("UpdateContactAttributes"),
    );
    expect(attrs).toMatchObject({ ok: true, row: { contactId: "c", instanceId: "i", fields: { tier: "gold" } } });
    const contact = api.checkRecord({ kind: "object", line: 3, value: { ContactId: "c", Name: "Ann" } }, undefined, defaults, api.operationNamed("UpdateContact"));
    expect(contact).toMatchObject({ ok: true, row: { fields: { Name: "Ann" } } });
    expect(api.operationNamed(undefined).name).toBe("UpdateContactAttributes");
  });
});
