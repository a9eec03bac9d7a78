import { rename, writeFile } from "node:fs/promises";
import { tmpPath } from "./tmpPath.js";
import type { Outcome } from "../domain/Outcome.js";
import type { RunSummary } from "../domain/RunSummary.js";

/** [unix second, successful calls, throttled calls] */
export type TimelinePoint = readonly [number, number, number];

const esc = (s: unknown): string =>
  String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);

/**
 * Calls per second as an inline SVG: successful calls in green stacked under
 * throttled ones in red, so a slow run shows at a glance whether the quota
 * (throttles) or something else held it back. Long runs are folded into at most
 * 600 columns, each the mean per second over its span.
 */
export function timelineSvg(points: readonly TimelinePoint[]): string {
  if (points.length === 0) return `<p class="muted">No calls were made in this run.</p>`;
  const first = (points[0] as TimelinePoint)[0];
  const last = (points.at(-1) as TimelinePoint)[0];
  const seconds = last - first + 1;
  const cols = Math.min(600, seconds);
  const per = seconds / cols;
  const ok = new Array<number>(cols).fill(0);
  const thr = new Array<number>(cols).fill(0);
  for (const [sec, o, t] of points) {
    const i = Math.min(cols - 1, Math.floor((sec - first) / per));
    ok[i] = (ok[i] as number) + o / per;
    thr[i] = (thr[i] as number) + t / per;
  }
  const max = Math.max(1, ...ok.map((o, i) => o + (thr[i] as number)));
  const W = 900;
  const H = 240;
  const pad = { l: 48, r: 10, t: 10, b: 30 };
  const bw = (W - pad.l - pad.r) / cols;
  const y = (v: number) => pad.t + (H - pad.t - pad.b) * (1 - v / max);
  const bars: string[] = [];
  for (let i = 0; i < cols; i++) {
    const x = (pad.l + i * bw).toFixed(2);
    const o = ok[i] as number;
    const t = thr[i] as number;
    if (o > 0)
      bars.push(
        `<rect class="ok" x="${x}" y="${y(o).toFixed(2)}" width="${Math.max(bw - 0.5, 0.5).toFixed(2)}" height="${(y(0) - y(o)).toFixed(2)}"><title>${(first + i * per).toFixed(0)}: ${o.toFixed(1)} ok/s</title></rect>`,
      );
    if (t > 0)
      bars.push(
        `<rect class="thr" x="${x}" y="${y(o + t).toFixed(2)}" width="${Math.max(bw - 0.5, 0.5).toFixed(2)}" height="${(y(o) - y(o + t)).toFixed(2)}"><title>${(first + i * per).toFixed(0)}: ${t.toFixed(1)} throttled/s</title></rect>`,
      );
  }
  const ticks = [0, max / 2, max].map(
    (v) =>
      `<text x="${pad.l - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(v < 10 ? 1 : 0)}</text><line x1="${pad.l}" x2="${W - pad.r}" y1="${y(v)}" y2="${y(v)}" class="grid"/>`,
  );
  return `<svg id="timeline" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="Successful and throttled calls per second">
${ticks.join("\n")}
${bars.join("\n")}
<text x="${pad.l}" y="${H - 8}">0 s</text><text x="${W - pad.r}" y="${H - 8}" text-anchor="end">${seconds} s</text>
</svg>`;
}

export interface HtmlReportInput {
  readonly summary: RunSummary;
  readonly timeline: readonly TimelinePoint[];
  /** The first invalid or failed outcomes, in line order (writeReportFiles keeps them). */
  readonly failed: readonly Outcome[];
  readonly failedTotal: number;
}

/** One self-contained page (no script, no network): what a person opens the morning after. */
export function renderHtmlReport({ summary: s, timeline, failed, failedTotal }: HtmlReportInput): string {
  const counts = Object.entries(s.counts)
    .map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td class="num" data-status="${esc(k)}">${v}</td></tr>`)
    .join("");
  const errors =
    s.topErrors.length === 0
      ? `<p class="muted">No errors.</p>`
      : `<table id="errors"><thead><tr><th>error code</th><th class="num">rows</th><th>example</th></tr></thead><tbody>${s.topErrors
          .map((e) => `<tr><td>${esc(e.code)}</td><td class="num">${e.count}</td><td>${esc(e.message)}</td></tr>`)
          .join("")}</tbody></table>`;
  const rows =
    failed.length === 0
      ? `<p class="muted">No failed or invalid rows.</p>`
      : `<table id="failed"><thead><tr><th class="num">line</th><th>contactId</th><th>status</th><th>error code</th><th class="num">HTTP</th><th>message</th></tr></thead><tbody>${failed
          .map(
            (o) =>
              `<tr><td class="num">${o.line}</td><td>${esc(o.contactId)}</td><td>${esc(o.status)}</td><td>${esc(o.errorCode)}</td><td class="num">${o.httpStatus ?? ""}</td><td>${esc(o.message)}</td></tr>`,
          )
          .join(
            "",
          )}</tbody></table>${failedTotal > failed.length ? `<p class="muted">Showing the first ${failed.length} of ${failedTotal}; failures.csv has them all.</p>` : ""}`;
  const duration = s.durationMs === undefined ? "not finished" : `${(s.durationMs / 1000).toFixed(1)} s`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>connect-backfill run ${esc(s.runId)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1d2733;max-width:1100px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.muted{color:#66727f}.facts{display:flex;gap:28px;flex-wrap:wrap;margin:12px 0}
.fact b{display:block;font-size:22px}table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #e3e7eb;padding:4px 8px;text-align:left;vertical-align:top}
.num{text-align:right;font-variant-numeric:tabular-nums}#counts{width:auto}
svg text{font-size:11px;fill:#66727f}.grid{stroke:#e3e7eb}.ok{fill:#2e9e5b}.thr{fill:#d64545}
.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}
</style></head><body>
<h1>Run ${esc(s.runId)}${s.complete ? "" : " (not finished)"}</h1>
<p class="muted">${esc(s.input)}${s.rollbackOf ? ` · rollback of ${esc(s.rollbackOf)}` : s.parentRunId ? ` · retry of ${esc(s.parentRunId)}` : ""} · started ${esc(s.startedAt ?? s.createdAt)}</p>
<div class="facts">
<div class="fact"><b>${s.rows}</b>rows</div>
<div class="fact"><b>${duration}</b>duration</div>
<div class="fact"><b>${s.meanRate ?? "-"}</b>rows/s (mean)</div>
<div class="fact"><b>${s.requests}</b>API calls</div>
<div class="fact"><b>${(s.throttledShare * 100).toFixed(1)}%</b>throttled</div>
</div>
<h2>Outcomes</h2><table id="counts"><tbody>${counts}</tbody></table>
<h2>Errors</h2>${errors}
<h2>Calls per second</h2>
<p class="legend"><span class="ok" style="background:#2e9e5b"></span>successful<span style="background:#d64545"></span>throttled (429)</p>
${timelineSvg(timeline)}
<h2>Failed and invalid rows</h2>${rows}
</body></html>
`;
}

export async function writeHtmlReport(path: string, input: HtmlReportInput): Promise<void> {
  const tmp = tmpPath(path);
  await writeFile(tmp, renderHtmlReport(input), { mode: 0o600 });
  await rename(tmp, path);
}
