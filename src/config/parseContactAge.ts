import { ConfigError } from "./ConfigError.js";

/** A contact age limit: calendar months or days before now; `null` means no limit. */
export type ContactAge = { readonly unit: "months" | "days"; readonly n: number } | null;

/**
 * Parses `--max-contact-age`: `24mo` (calendar months, Connect's retention),
 * `730d` (days), `0` (off). Months are calendar months in UTC, the way Connect
 * counts its 24-month retention, so "24mo" lines up with the service's cutoff.
 */
export function parseContactAge(name: string, value: string): ContactAge {
  const v = value.trim().toLowerCase();
  if (v === "0") return null;
  const m = /^(\d{1,5})(mo|d)$/.exec(v);
  if (!m || Number(m[1]) === 0) {
    throw new ConfigError(`--${name} must be months such as 24mo, days such as 730d, or 0 (no limit), got "${value}"`);
  }
  return { unit: m[2] === "mo" ? "months" : "days", n: Number(m[1]) };
}

export function formatContactAge(age: ContactAge): string {
  return age === null ? "0" : `${age.n}${age.unit === "months" ? "mo" : "d"}`;
}
