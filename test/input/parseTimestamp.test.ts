import { describe, expect, it } from "vitest";
import { parseTimestamp } from "../../src/input/parseTimestamp.js";

const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0) => Date.UTC(y, mo - 1, d, h, mi, s, ms);

describe("parseTimestamp", () => {
  const valid: Array<[name: string, text: string, ms: number]> = [
    ["ISO with Z", "2021-06-01T12:34:56Z", utc(2021, 6, 1, 12, 34, 56)],
    ["ISO with lower-case z and t", "2021-06-01t12:34:56z", utc(2021, 6, 1, 12, 34, 56)],
    ["ISO with a space instead of T", "2021-06-01 12:34:56Z", utc(2021, 6, 1, 12, 34, 56)],
    ["ISO with +02:00", "2021-06-01T12:00:00+02:00", utc(2021, 6, 1, 10)],
    ["ISO with -0530", "2021-06-01T12:00:00-0530", utc(2021, 6, 1, 17, 30)],
    ["ISO with +0000", "2021-06-01T12:00:00+0000", utc(2021, 6, 1, 12)],
    ["ISO with hour-only offset +02", "2021-06-01T12:00:00+02", utc(2021, 6, 1, 10)],
    ["ISO offset crossing midnight", "2021-06-01T01:00:00+05:00", utc(2021, 5, 31, 20)],
    ["no zone means UTC", "2021-06-01T12:00:00", utc(2021, 6, 1, 12)],
    ["minutes only, no seconds", "2021-06-01T12:34", utc(2021, 6, 1, 12, 34)],
    ["fraction of one digit", "2021-06-01T12:00:00.5Z", utc(2021, 6, 1, 12, 0, 0, 500)],
    ["fraction of three digits", "2021-06-01T12:00:00.123Z", utc(2021, 6, 1, 12, 0, 0, 123)],
    ["fraction of nine digits is cut to ms", "2021-06-01T12:00:00.123456789Z", utc(2021, 6, 1, 12, 0, 0, 123)],
    ["fraction with offset", "2021-06-01T12:00:00.250+01:00", utc(2021, 6, 1, 11, 0, 0, 250)],
    ["date only", "2021-06-01", utc(2021, 6, 1)],
    ["leap day in a leap year", "2020-02-29", utc(2020, 2, 29)],
    ["API release day", "2018-09-12T00:00:00Z", utc(2018, 9, 12)],
    ["surrounding whitespace", "  2021-06-01T12:00:00Z \t", utc(2021, 6, 1, 12)],
    ["epoch seconds", "1622505600", utc(2021, 6, 1)],
    ["epoch seconds with fraction", "1622505600.5", utc(2021, 6, 1, 0, 0, 0, 500)],
    ["epoch milliseconds", "1622505600000", utc(2021, 6, 1)],
    ["epoch 0", "0", 0],
    ["just below 1e11 is seconds", "99999999999", 99_999_999_999_000],
    ["1e11 is milliseconds", "100000000000", 100_000_000_000],
    ["just above 1e11 is milliseconds", "100000000001", 100_000_000_001],
    ["offset at its largest, +23:59", "2021-06-01T23:59:00+23:59", utc(2021, 6, 1)],
    ["year 0000 is year 0, not 1900", "0000-01-01", Date.parse("0000-01-01T00:00:00Z")],
    ["year 0099 is year 99", "0099-12-31T12:00:00Z", Date.parse("0099-12-31T12:00:00Z")],
    ["leap day of year 0", "0000-02-29", Date.parse("0000-02-29T00:00:00Z")],
  ];
  it.each(valid)("%s: %j", (_name, text, ms) => {
    expect(parseTimestamp(text)).toBe(ms);
  });

  const invalid: Array<[name: string, text: string]> = [
    ["epoch microseconds (a start 55,000 years ahead if read as milliseconds)", "1733000000000000"],
    ["epoch at 1e14 ms (the year 5138)", "100000000000000"],
    ["30 February", "2021-02-30"],
    ["29 February in a common year", "2021-02-29"],
    ["31 April", "2021-04-31T10:00:00Z"],
    ["month 13", "2021-13-01"],
    ["month 0", "2021-00-10"],
    ["day 0", "2021-06-00"],
    ["day 32", "2021-01-32"],
    ["hour 24", "2021-06-01T24:00:00Z"],
    ["minute 60", "2021-06-01T12:60:00Z"],
    ["second 60", "2021-06-01T12:00:60Z"],
    ["words", "yesterday"],
    ["words with digits", "June 1st 2021"],
    ["empty", ""],
    ["blank", "   "],
    ["negative epoch", "-1"],
    ["slashes", "2021/06/01"],
    ["US date", "06/01/2021"],
    ["two-digit year", "21-06-01"],
    ["trailing garbage", "2021-06-01T12:00:00Zx"],
    ["bad zone", "2021-06-01T12:00:00 UTC"],
    ["epoch with exponent", "1e12"],
    ["epoch with letters", "1622505600abc"],
    ["impossible offset +99:99", "2018-09-11T23:59:59+99:99"],
    ["offset hour 24", "2021-06-01T12:00:00+24:00"],
    ["offset minute 60", "2021-06-01T12:00:00-05:60"],
    ["29 February of year 0100 (not a leap year)", "0100-02-29"],
  ];
  it.each(invalid)("%s: %j is undefined", (_name, text) => {
    expect(parseTimestamp(text)).toBeUndefined();
  });
});
