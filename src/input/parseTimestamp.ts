import { utcSecondsMs } from "../domain/utcSeconds.js";

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const EPOCH = /^\d{1,16}(?:\.\d+)?$/;

/** Below this an epoch number is read as seconds, above as milliseconds (1e11 s is the year 5138). */
const SECONDS_LIMIT = 1e11;
/**
 * From this on an epoch number is no time at all: 1e14 ms is the year 5138 again. Microseconds (16 digits, as some
 * databases export them) read as milliseconds were a start 55,000 years ahead that passed every age rule.
 */
const MILLISECONDS_LIMIT = 1e14;

/**
 * Parses an initiation timestamp: ISO-8601 (a missing zone means UTC, so a file
 * means the same on every host) or epoch seconds / milliseconds. Returns epoch
 * milliseconds, or undefined when the text is not a timestamp.
 */
export function parseTimestamp(text: string): number | undefined {
  const fast = utcSecondsMs(text);
  if (fast !== undefined) return fast;
  const s = text.trim();
  if (EPOCH.test(s)) {
    const n = Number(s);
    if (n >= MILLISECONDS_LIMIT) return undefined;
    return n < SECONDS_LIMIT ? Math.round(n * 1000) : Math.round(n);
  }
  const m = ISO.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h = "00", mi = "00", sec = "00", frac = "", zone] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59) return undefined;
  let offsetMin = 0;
  if (zone && zone.toUpperCase() !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2, 4) || "0");
    // +99:99 is no offset at all (RFC 3339: hours 00-23, minutes 00-59), not another instant.
    if (oh > 23 || om > 59) return undefined;
    offsetMin = sign * (oh * 60 + om);
  }
  const date = new Date(Date.UTC(2000, month - 1, day, Number(h), Number(mi), Number(sec), Number(frac.padEnd(3, "0").slice(0, 3))));
  // Date.UTC reads years 0-99 as 1900-1999: the year is set on its own, so 0000-01-01 is year 0, not 1900.
  date.setUTCFullYear(Number(y), month - 1, day);
  const ms = date.getTime();
  // A day past the month's end rolls over into the next (2021-02-30 into March); a real date survives the round trip.
  if (date.getUTCDate() !== day || date.getUTCMonth() !== month - 1) return undefined;
  return ms - offsetMin * 60_000;
}
