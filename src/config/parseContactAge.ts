import { describeDuration, DURATION_UNITS, isDuration, parseDuration } from "../domain/duration.js";
import { ConfigError } from "./ConfigError.js";

/** A contact age limit: calendar months or days before now; `null` means no limit. */
export type ContactAge = { readonly unit: "months" | "days"; readonly n: number } | null;

/**
 * Parses `--max-contact-age` with the one duration reading (domain/duration.ts): `24mo` (calendar
 * months, Connect's retention), `2y`, `730d`, `104w`, or `0` (off). Months are calendar months in UTC, the
 * way Connect counts its 24-month retention, so "24mo" lines up with the service's cutoff. Units below a
 * day are refused: a contact age of 24 minutes is a slip for 24 months, and would skip nearly every row.
 */
export function parseContactAge(name: string, value: string): ContactAge {
  if (value.trim() === "0") return null;
  const d = parseDuration(value);
  const expects = `days, weeks, months or years such as 730d or 24mo, or 0 (no limit)`;
  if (!isDuration(d)) throw new ConfigError(`--${name} must be ${expects}: ${d.problem} (units: ${DURATION_UNITS})`);
  if (d.n === 0) throw new ConfigError(`--${name} must be ${expects}, got "${value}" (0 alone turns the rule off)`);
  if (d.unit === "s" || d.unit === "m" || d.unit === "h") {
    throw new ConfigError(
      `--${name} ${value.trim()} is ${describeDuration(d)}, and a contact age is counted in days or months (Connect keeps contacts 24 months): write ${d.n}mo for ${d.n} months`,
    );
  }
  if (d.unit === "w") return { unit: "days", n: d.n * 7 };
  if (d.unit === "y") return { unit: "months", n: d.n * 12 };
  return { unit: d.unit === "mo" ? "months" : "days", n: d.n };
}

export function formatContactAge(age: ContactAge): string {
  return age === null ? "0" : `${age.n}${age.unit === "months" ? "mo" : "d"}`;
}
