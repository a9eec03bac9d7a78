/**
 * The one reading of a duration the command line and job files accept (`30d`, `12h`, `90m`, `24mo`):
 * a whole number and one unit, `s` seconds, `m` minutes, `h` hours, `d` days, `w` weeks, `mo` calendar
 * months, `y` calendar years, in any case except a lone `M` (months to some, minutes to others): that and
 * any other unit are refused with one sentence, never guessed.
 */
export type DurationUnit = "s" | "m" | "h" | "d" | "w" | "mo" | "y";

export interface Duration {
  readonly n: number;
  readonly unit: DurationUnit;
}

const WORDS: Record<DurationUnit, string> = { s: "second", m: "minute", h: "hour", d: "day", w: "week", mo: "month", y: "year" };
const FIXED_MS: Partial<Record<DurationUnit, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** What a value is when it is not a duration, for the caller's sentence; undefined when it is one. */
export type DurationProblem = { readonly problem: string };

/** Parses `value`; a problem says what is wrong in a few words (the caller names the flag). */
export function parseDuration(value: string): Duration | DurationProblem {
  const v = value.trim();
  const m = /^(\d{1,7})([A-Za-z]*)$/.exec(v);
  if (!m) return { problem: `"${value}" is not a whole number followed by a unit` };
  const n = Number(m[1]);
  const written = m[2] as string;
  if (written === "") return { problem: `"${value}" has no unit` };
  if (written === "M") return { problem: `"${value}" is ambiguous (M: months or minutes?); write mo for months or m for minutes` };
  const unit = written.toLowerCase();
  if (!(unit in WORDS)) return { problem: `"${value}" has an unknown unit "${written}"` };
  return { n, unit: unit as DurationUnit };
}

export function isDuration(d: Duration | DurationProblem): d is Duration {
  return "unit" in d;
}

/** The units, for messages: "s, m (minutes), h, d, w, mo (months), y". */
export const DURATION_UNITS = "s, m (minutes), h, d, w, mo (months), y";

/** `24 months`, `1 minute`. */
export function describeDuration(d: Duration): string {
  return `${d.n} ${WORDS[d.unit]}${d.n === 1 ? "" : "s"}`;
}

/** The instant `d` before `now` (epoch ms); months and years are calendar ones in UTC. */
export function instantBefore(d: Duration, now: number): number {
  const fixed = FIXED_MS[d.unit];
  if (fixed !== undefined) return now - d.n * fixed;
  const t = new Date(now);
  t.setUTCMonth(t.getUTCMonth() - d.n * (d.unit === "y" ? 12 : 1));
  return t.getTime();
}

/** How long `d` is, counted back from `now`. */
export function durationMs(d: Duration, now = Date.now()): number {
  return now - instantBefore(d, now);
}
