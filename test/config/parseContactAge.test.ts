import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/ConfigError.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { formatContactAge, parseContactAge } from "../../src/config/parseContactAge.js";

describe("--max-contact-age", () => {
  it.each([
    ["24mo", { unit: "months", n: 24 }],
    ["730d", { unit: "days", n: 730 }],
    [" 36MO ", { unit: "months", n: 36 }],
    ["0", null],
  ])("%s", (text, want) => {
    expect(parseContactAge("max-contact-age", text)).toEqual(want);
    expect(formatContactAge(parseContactAge("max-contact-age", text))).toBe(text.trim().toLowerCase());
  });

  it.each(["24", "2y", "-3d", "0d", "", "24 months"])("refuses %j with a sentence naming the option", (text) => {
    expect(() => parseContactAge("max-contact-age", text)).toThrow(ConfigError);
    expect(() => parseContactAge("max-contact-age", text)).toThrow(/--max-contact-age must be months such as 24mo, days such as 730d, or 0/);
  });

  it("defaults to 24 months, Connect's retention; the environment and flags override it", () => {
    expect(loadConfig({}, {}).maxContactAge).toEqual({ unit: "months", n: 24 });
    expect(loadConfig({}, { CONNECT_BACKFILL_MAX_CONTACT_AGE: "0" }).maxContactAge).toBeNull();
    expect(loadConfig({ "max-contact-age": "90d" }, { CONNECT_BACKFILL_MAX_CONTACT_AGE: "0" }).maxContactAge).toEqual({ unit: "days", n: 90 });
  });
});

describe("--breaker-ignore", () => {
  it("takes a comma-separated list of codes", () => {
    expect(loadConfig({ "breaker-ignore": "ResourceNotFoundException, InvalidRequestException" }, {}).breakerIgnore).toEqual([
      "ResourceNotFoundException",
      "InvalidRequestException",
    ]);
    expect(loadConfig({}, {}).breakerIgnore).toEqual([]);
  });
  it("refuses what cannot be a code", () => {
    expect(() => loadConfig({ "breaker-ignore": "Not Found" }, {})).toThrow(/--breaker-ignore takes error codes/);
  });
});
