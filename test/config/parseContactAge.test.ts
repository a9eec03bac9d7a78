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

  it("weeks and years are days and months", () => {
    expect(parseContactAge("max-contact-age", "2y")).toEqual({ unit: "months", n: 24 });
    expect(parseContactAge("max-contact-age", "104w")).toEqual({ unit: "days", n: 728 });
  });

  it.each(["24", "-3d", "0d", "", "24 months", "24M"])("refuses %j with a sentence naming the option", (text) => {
    expect(() => parseContactAge("max-contact-age", text)).toThrow(ConfigError);
    expect(() => parseContactAge("max-contact-age", text)).toThrow(/--max-contact-age must be days, weeks, months or years such as 730d or 24mo/);
  });

  it.each(["24m", "12h", "90s"])("refuses %j, a unit below a day, suggesting months", (text) => {
    expect(() => parseContactAge("max-contact-age", text)).toThrow(/a contact age is counted in days or months .*: write \d+mo for \d+ months/);
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
