import type { RunSummary } from "../app/report.js";
import { type NightReading, nightFigures } from "../app/nightGuards.js";

function seconds(ms: number | undefined): string {
  if (ms === undefined) return "-";
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** Where a report went: its folder, or its S3 folder and where the local copy and the spool stay. */
export interface ReportPlace {
  readonly dir: string;
  readonly uploadedTo?: string | undefined;
  readonly uploadProblem?: string | undefined;
  readonly spool?: string | undefined;
  readonly workbook?: string | undefined;
}

function whereReports(place: ReportPlace): string {
  if (place.uploadProblem) return `${place.dir} (NOT uploaded: ${place.uploadProblem})`;
  if (!place.uploadedTo) return place.dir;
  return `${place.uploadedTo} (written first in ${place.dir}; the spool stays at ${place.spool ?? place.dir})`;
}

/** The short summary printed by `run` and `report`: what a person reads first. */
export function formatSummary(s: RunSummary, place: string | ReportPlace): string {
  const dir = typeof place === "string" ? place : whereReports(place);
  const files = `outcomes.csv, failures.csv${typeof place !== "string" && place.workbook ? ", failures.xlsx" : ""}, summary.json, report.html`;
  if (s.dryRun) return formatDryRun(s, dir, files);
  const lines = [
    `run ${s.runId}${s.rollbackOf ? ` (rollback of ${s.rollbackOf})` : s.parentRunId ? ` (retry of ${s.parentRunId})` : ""}: ${s.rows} rows${s.complete ? `, finished in ${seconds(s.durationMs)}` : ", NOT finished"}`,
    `  updated          ${s.counts.updated}`,
    `  skipped_pre_api  ${s.counts.skipped_pre_api}`,
    `  skipped_expired  ${s.counts.skipped_expired}`,
  ];
  // Only in retries that met rows a later line had already applied: no news is shown otherwise.
  if (s.counts.superseded > 0) lines.push(`  superseded       ${s.counts.superseded}`);
  if (s.counts.cancelled > 0) lines.push(`  cancelled        ${s.counts.cancelled}`);
  // Only in runs with change detection (onlyChanged).
  if (s.counts.unchanged > 0) lines.push(`  unchanged        ${s.counts.unchanged}`);
  lines.push(`  invalid          ${s.counts.invalid}`, `  failed           ${s.counts.failed}`);
  if (s.blankLines > 0) lines.push(`  (${s.blankLines} blank line${s.blankLines === 1 ? "" : "s"} in the file: no row, no outcome)`);
  if (!s.complete) lines.push(`  pending          ${Math.max(0, s.rows - Object.values(s.counts).reduce((a, b) => a + b, 0))}`);
  const top = s.topErrors.filter((e) => !["ContactBeforeApi", "ContactExpired", "Superseded", "Unchanged"].includes(e.code)).slice(0, 5);
  if (top.length > 0) {
    lines.push("  top errors:");
    for (const e of top) lines.push(`    ${e.code} x${e.count}, e.g. ${e.message.slice(0, 160)}`);
  }
  if (s.night) lines.push(...nightLines(s.night, false));
  lines.push(
    `  API calls ${s.requests}, throttled ${s.throttled} (${(s.throttledShare * 100).toFixed(1)}%)${s.meanRate !== undefined ? `, mean ${s.meanRate} rows/s` : ""}`,
    `reports in ${dir}: ${files}`,
  );
  return lines.join("\n");
}

/** A job's night as judged when its run was made: its figures, then each bound (a dry run says what a real run would do). */
function nightLines(n: NightReading, dry: boolean): string[] {
  const lines = [`  night: ${nightFigures(n)}`];
  for (const c of n.checks) lines.push(`    ${c.result === "not-checked" ? "" : `${c.result} `}${c.bound}: ${c.text}`);
  if (dry) lines.push(n.breach ? `  a real run would pause: ${n.breach}` : n.checks.length > 0 ? "  a real run would go on: within the job's guards" : "");
  return lines.filter((l) => l !== "");
}

function duration(s: number): string {
  if (s < 60) return `${s} s`;
  const h = Math.floor(s / 3600);
  const m = Math.round((s % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : `${m} min`;
}

/** A dry run: what would happen to the rows, and what the run would cost. */
function formatDryRun(s: RunSummary, dir: string, files: string): string {
  const plan = s.dryRun as NonNullable<RunSummary["dryRun"]>;
  const lines = [
    `DRY RUN ${s.runId}: ${s.rows} rows checked, nothing sent`,
    `  would_update     ${s.counts.would_update}`,
    `  skipped_pre_api  ${s.counts.skipped_pre_api}`,
    `  skipped_expired  ${s.counts.skipped_expired}`,
  ];
  if (s.counts.unchanged > 0) lines.push(`  unchanged        ${s.counts.unchanged}`);
  if (s.counts.superseded > 0) lines.push(`  superseded       ${s.counts.superseded}`);
  lines.push(`  invalid          ${s.counts.invalid}`);
  if (!s.complete) lines.push(`  not planned      ${Math.max(0, s.rows - Object.values(s.counts).reduce((a, b) => a + b, 0))} (the dry run did not finish)`);
  if (s.blankLines > 0) lines.push(`  (${s.blankLines} blank line${s.blankLines === 1 ? "" : "s"} in the file: no row, no outcome)`);
  const top = s.topErrors.filter((e) => !["ContactBeforeApi", "ContactExpired", "Superseded", "Unchanged"].includes(e.code)).slice(0, 5);
  if (top.length > 0) {
    lines.push("  top errors:");
    for (const e of top) lines.push(`    ${e.code} x${e.count}, e.g. ${e.message.slice(0, 160)}`);
  }
  if (s.night) lines.push(...nightLines(s.night, true));
  const reads = plan.reads > 0 ? ` and ${plan.reads} GetContactAttributes reads (--capture-before, their own quota)` : "";
  lines.push(`  would send ${plan.calls} ${plan.operation} calls${reads}: about ${duration(plan.seconds)} at --rate ${plan.rate}/s`);
  if (plan.learnedRate !== undefined && plan.learnedSeconds !== undefined) {
    const where = plan.learnedScope ? ` in ${plan.learnedScope}` : "";
    const when = plan.learnedAgeS !== undefined ? `, last used ${duration(plan.learnedAgeS)} ago` : "";
    lines.push(`  about ${duration(plan.learnedSeconds)} at ${plan.learnedRate}/s, the rate the governor last found safe for ${plan.operation}${where}${when}`);
  }
  lines.push(`reports in ${dir}: ${files}`);
  return lines.join("\n");
}
