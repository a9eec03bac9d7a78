/**
 * The dashboard's own pages: one self-contained HTML file each (inline style and
 * script, nothing fetched but the dashboard's JSON). Every value reaches the page
 * through textContent, never as markup. URLs are relative, so the pages work
 * behind a proxy that mounts the dashboard under a path.
 */

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1b1f24;background:#fff}
h1{font-size:1.3rem;margin:0 0 .5rem}
table{border-collapse:collapse;margin:.5rem 0}
th,td{padding:.3rem .7rem;border-bottom:1px solid #d8dee4;text-align:left;white-space:nowrap}
td.n{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f6f8fa}
.state{font-weight:600}
.s-running{color:#0969da}.s-finished{color:#1a7f37}.s-stopped,.s-cancelled{color:#cf222e}.s-paused,.s-queued{color:#9a6700}
#live{color:#57606a;font-size:.85rem}
.bar{display:inline-block;width:120px;height:.6rem;background:#eaeef2;vertical-align:middle;margin-left:.4rem}
.bar>span{display:block;height:100%;background:#1a7f37}
button{margin-right:.5rem}
#msg{margin:.5rem 0}
`;

/** Formatting shared by both pages (runs in the browser). */
const HELPERS = `
const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = String(text); if (cls) e.className = cls; return e; };
const doneOf = (s) => Object.entries(s.counts).reduce((n, [k, v]) => (k === "pending" ? n : n + v), 0);
const progressOf = (s) => { const d = doneOf(s); return s.total === null ? d + " / ?" : d + " / " + s.total + (s.total > 0 ? " (" + ((100 * d) / s.total).toFixed(1) + "%)" : ""); };
const rateOf = (s) => (s.rate === null ? "-" : s.rate + " rows/s");
const etaOf = (s) => { if (s.eta === null) return "-"; let t = s.eta; const h = Math.floor(t / 3600); t -= h * 3600; const m = Math.floor(t / 60); const sec = t - m * 60;
  return h > 0 ? h + "h " + String(m).padStart(2, "0") + "m" : m > 0 ? m + "m " + String(sec).padStart(2, "0") + "s" : sec + "s"; };
const pctOf = (x) => (100 * x).toFixed(1) + "%";
const failuresOf = (s) => (s.counts.invalid ?? 0) + (s.counts.failed ?? 0);
const when = (iso) => (iso ? new Date(iso).toLocaleString() : "-");
const live = (ok, text) => { const l = document.getElementById("live"); l.textContent = ok ? "updated " + new Date().toLocaleTimeString() : text; };
`;

function page(title: string, nonce: string, body: string, script: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>${body}
<script nonce="${nonce}">${HELPERS}${script}</script>
</body></html>
`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** `/`: every run, newest first, refreshed from `api/runs` every 2 s. */
export function runsPage(nonce: string, pollMs = 2000): string {
  return page(
    "connect-backfill runs",
    nonce,
    `<h1>connect-backfill runs</h1>
<p><a href="queues">queues (bull-board)</a> · <span id="live">loading…</span></p>
<noscript>This page needs JavaScript to show the runs; api/runs has them as JSON.</noscript>
<table><thead><tr><th>run</th><th>state</th><th>progress</th><th>rate</th><th>ETA</th><th>throttled</th><th>failures</th><th>created</th></tr></thead>
<tbody id="runs"></tbody></table>
<p id="empty" hidden>No runs on this Redis.</p>`,
    `
function render(list) {
  const body = document.getElementById("runs");
  const rows = list.statuses.map((s) => {
    const tr = el("tr"); tr.dataset.run = s.runId;
    const a = el("a", s.runId); a.href = "runs/" + encodeURIComponent(s.runId);
    const first = el("td"); first.appendChild(a); tr.appendChild(first);
    const cells = [["state", s.state, "state s-" + s.state], ["progress", progressOf(s), "n"], ["rate", rateOf(s), "n"], ["eta", etaOf(s), "n"],
      ["throttled", pctOf(s.throttledShare), "n"], ["failures", failuresOf(s), "n"], ["created", when(s.createdAt)]];
    for (const [field, text, cls] of cells) { const td = el("td", text, cls); td.dataset.field = field; tr.appendChild(td); }
    const done = tr.querySelector('[data-field="progress"]'); done.dataset.done = String(doneOf(s));
    return tr;
  });
  body.replaceChildren(...rows);
  document.getElementById("empty").hidden = rows.length > 0;
}
async function tick() {
  try {
    const res = await fetch("api/runs", { cache: "no-store" });
    if (!res.ok) throw new Error((await res.json()).error ?? String(res.status));
    render(await res.json());
    live(true);
  } catch (err) { live(false, "cannot read the runs: " + err.message); }
}
tick(); setInterval(tick, ${pollMs});
`,
  );
}

/** `/runs/<runId>`: one run's counts, stop reason and report, refreshed every 2 s; cancel and resume when allowed. */
export function runPage(runId: string, nonce: string, allowActions: boolean, pollMs = 2000): string {
  const id = escapeHtml(runId);
  const actions = allowActions
    ? `<p><button id="cancel" type="button">Cancel run</button><button id="resume" type="button">Resume run</button></p><p id="msg" role="status"></p>`
    : "";
  return page(
    `run ${runId}`,
    nonce,
    `<p><a href="../">all runs</a> · <a href="../queues">queues (bull-board)</a> · <span id="live">loading…</span></p>
<h1>Run <span id="run-id">${id}</span></h1>
<table id="facts"><tbody>
<tr><th>state</th><td id="state" class="state"></td></tr>
<tr><th>progress</th><td id="progress"></td></tr>
<tr><th>rate</th><td id="rate"></td></tr>
<tr><th>ETA</th><td id="eta"></td></tr>
<tr><th>throttled</th><td id="throttled"></td></tr>
<tr><th>governor rate</th><td id="governor"></td></tr>
<tr><th>operation</th><td id="operation"></td></tr>
<tr><th>input</th><td id="input"></td></tr>
<tr><th>made from</th><td id="parent"></td></tr>
<tr><th>stop reason</th><td id="stop"></td></tr>
<tr><th>chunks BullMQ gave up on</th><td id="failed-chunks"></td></tr>
<tr><th>created</th><td id="created"></td></tr>
<tr><th>started</th><td id="started"></td></tr>
<tr><th>latest outcome</th><td id="last"></td></tr>
<tr><th>report</th><td id="report">not written yet</td></tr>
</tbody></table>
<h2>Rows per status</h2>
<table><tbody id="counts"></tbody></table>
${actions}`,
    `
const runId = document.getElementById("run-id").textContent;
const set = (id, text) => { document.getElementById(id).textContent = String(text); };
function render(s) {
  set("state", s.state); document.getElementById("state").className = "state s-" + s.state;
  set("progress", progressOf(s)); document.getElementById("progress").dataset.done = String(doneOf(s));
  set("rate", rateOf(s)); set("eta", etaOf(s)); set("throttled", pctOf(s.throttledShare));
  set("governor", s.governorRate === null ? "-" : s.governorRate + " req/s"); set("operation", s.operation); set("input", s.input);
  set("parent", s.rollbackOf ? "rollback of " + s.rollbackOf : s.parentRunId ? "retry of " + s.parentRunId : "-"); set("stop", s.stopReason ?? "-"); set("failed-chunks", s.failedChunks);
  set("created", when(s.createdAt)); set("started", when(s.startedAt)); set("last", when(s.lastOutcomeAt));
  const rep = document.getElementById("report");
  if (s.reportWritten) { const a = el("a", "report.html"); a.href = encodeURIComponent(runId) + "/report.html"; rep.replaceChildren(a); }
  else rep.textContent = "not written yet";
  const rows = Object.entries(s.counts).filter(([k, v]) => v > 0 || k === "pending").map(([k, v]) => {
    const tr = el("tr"); tr.appendChild(el("th", k)); const td = el("td", v, "n"); td.dataset.status = k; tr.appendChild(td); return tr; });
  document.getElementById("counts").replaceChildren(...rows);
  for (const [b, show] of [["cancel", s.state !== "finished" && s.state !== "cancelled"], ["resume", s.state === "stopped" || s.state === "paused" || s.failedChunks > 0]]) {
    const button = document.getElementById(b); if (button) button.hidden = !show;
  }
}
async function tick() {
  try {
    const res = await fetch("../api/runs/" + encodeURIComponent(runId), { cache: "no-store" });
    if (!res.ok) throw new Error((await res.json()).error ?? String(res.status));
    render(await res.json());
    live(true);
  } catch (err) { live(false, "cannot read the run: " + err.message); }
}
async function act(action) {
  if (action === "cancel" && !confirm("Cancel run " + runId + "? Rows not sent yet become cancelled.")) return;
  const msg = document.getElementById("msg"); msg.textContent = action + "…";
  try {
    // The header is what a form on another site cannot send: the server refuses actions without it.
    const res = await fetch("../api/runs/" + encodeURIComponent(runId) + "/" + action, { method: "POST", headers: { "x-connect-backfill": "1" } });
    const body = await res.json();
    msg.textContent = res.ok ? body.message : body.error;
  } catch (err) { msg.textContent = action + " failed: " + err.message; }
  tick();
}
for (const b of ["cancel", "resume"]) { const button = document.getElementById(b); if (button) button.addEventListener("click", () => act(b)); }
tick(); setInterval(tick, ${pollMs});
`,
  );
}

/** A page for a run id that names no run (or is not a run id at all). */
export function messagePage(title: string, text: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><p><a href="/">all runs</a></p><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>
`;
}
