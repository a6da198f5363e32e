import { createHash } from "node:crypto";
import type { AnalysisResult } from "../engine/result.js";
import { snippetKey } from "../engine/result.js";
import { formatLocation } from "../model/source.js";
import { countByLevel } from "./human.js";
import { minuteText, plural, timelinesOf, topologyOf, type ProxyTimeline } from "./report-data.js";

/** Text and attribute values for HTML: the five markup characters as entities. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/gu, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1b1f24;background:#fff}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.num{text-align:right}code,.loc{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em}
.error{color:#b42318;font-weight:600}.warning{color:#9a6700;font-weight:600}.note{color:#0969da}
.related{color:#57606a;font-size:.9em}pre{background:#f6f8fa;padding:.3rem .5rem;margin:.3rem 0 0;white-space:pre-wrap;word-break:break-all}
.counts td{font-size:1.1rem}.muted{color:#57606a}svg{max-width:100%;height:auto;background:#fff}
`;

/**
 * The page allows nothing but its own inline stylesheet (by hash) and inline SVG: no script, no
 * request of any kind, so a report opened from an e-mail or a ticket cannot reach the network.
 */
const CSP = `default-src 'none'; style-src 'sha256-${createHash("sha256").update(STYLE, "utf8").digest("base64")}'; img-src 'none'; base-uri 'none'; form-action 'none'`;

const CHART = { width: 860, height: 260, left: 56, right: 20, top: 20, bottom: 46 } as const;
const COLOR = { status503: "#c62828", memcacheErrors: "#1565c0" } as const;

/**
 * One self-contained HTML page for people (support tickets, CI artifacts): the counts, every
 * finding with its evidence line, input problems, the logs read, for each affected proxy an
 * inline SVG chart of 503 responses against memcache errors per minute, and the topology. No
 * script, no external resource; deterministic bytes.
 */
export function formatHtml(result: AnalysisResult): string {
  const h = escapeHtml;
  const c = countByLevel(result);
  const skipped = Object.values(result.files.skipped).reduce((a, b) => a + b, 0);
  const total = c.error + c.warning + c.note;
  const title = `${result.tool.name}: ${total === 0 ? "no problems" : `${plural(c.error, "error")}, ${plural(c.warning, "warning")}, ${plural(c.note, "note")}`}`;
  const out: string[] = [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${h(CSP)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${h(title)}</title>`,
    `<style>${STYLE}</style>`,
    "</head>",
    "<body>",
    `<h1>${h(title)}</h1>`,
    '<table class="counts"><thead><tr><th>errors</th><th>warnings</th><th>notes</th><th>input problems</th><th>files analyzed</th><th>files skipped</th></tr></thead>',
    `<tbody><tr><td class="num">${c.error}</td><td class="num">${c.warning}</td><td class="num">${c.note}</td><td class="num">${result.diagnostics.length}</td><td class="num">${result.files.analyzed.length}</td><td class="num">${skipped}</td></tr></tbody></table>`,
  ];

  if (result.findings.length > 0) {
    out.push('<h2 id="findings">Findings</h2>', '<table id="findings-table"><thead><tr><th>level</th><th>rule</th><th>location</th><th>message and evidence</th></tr></thead><tbody>');
    for (const f of result.findings) {
      const rule = result.rules.find((r) => r.id === f.ruleId);
      const ruleText = h(`${f.ruleId} ${f.ruleName}`);
      const ruleCell = rule && /^https:\/\//u.test(rule.helpUri) ? `<a href="${h(rule.helpUri)}" rel="noreferrer">${ruleText}</a>` : ruleText;
      const evidence = snippetHtml(result, f.location.file, f.location.line);
      const related = f.related
        .map((r) => `<div class="related">↳ <span class="loc">${h(formatLocation(r.location))}</span> ${h(r.message)}${snippetHtml(result, r.location.file, r.location.line)}</div>`)
        .join("");
      out.push(`<tr><td class="${f.level}">${f.level}</td><td>${ruleCell}</td><td class="loc">${h(formatLocation(f.location))}</td><td>${h(f.message)}${evidence}${related}</td></tr>`);
    }
    out.push("</tbody></table>");
  }

  if (result.diagnostics.length > 0) {
    out.push('<h2 id="input-problems">Input problems</h2>', '<p class="muted">The rest of the run went on; these files were read only in part or not at all.</p>');
    out.push("<table><thead><tr><th>severity</th><th>location</th><th>problem</th><th>code</th></tr></thead><tbody>");
    for (const d of result.diagnostics) {
      const where = d.line ? `${d.file}:${d.line}${d.column ? `:${d.column}` : ""}` : d.file;
      out.push(`<tr><td class="${d.severity}">${d.severity}</td><td class="loc">${h(where)}</td><td>${h(d.message)}</td><td><code>${h(d.code)}</code></td></tr>`);
    }
    out.push("</tbody></table>");
  }

  const sources = result.deployment.runtime.logSources;
  if (sources.length > 0) {
    out.push('<h2 id="logs">Logs</h2>', "<table><thead><tr><th>file</th><th>format</th><th>records decoded</th><th>events</th><th>year of year-less timestamps</th></tr></thead><tbody>");
    for (const s of sources) {
      const year = s.yearSource === null ? "" : `${s.year} (${s.yearSource})`;
      out.push(`<tr><td class="loc">${h(s.file)}</td><td>${h(s.format)}</td><td class="num">${s.records}</td><td class="num">${s.events}</td><td>${h(year)}</td></tr>`);
    }
    out.push("</tbody></table>");
  }

  timelinesOf(result).forEach((timeline, index) => out.push(...timelineHtml(timeline, index)));

  const topology = topologyOf(result);
  if (topology.clients.length > 0) {
    out.push('<h2 id="topology">Topology (cache client → server → memcached)</h2>', '<table id="topology-table"><thead><tr><th>client</th><th>servers</th><th>server</th><th>host</th><th>status</th></tr></thead><tbody>');
    for (const client of topology.clients) {
      const name = `${client.host ? `${h(client.host)}: ` : ""}${h(client.client)}<div class="loc muted">${h(client.where)}</div>`;
      const rows = client.routes.length === 0 ? [null] : client.routes;
      rows.forEach((route, i) => {
        const lead = i === 0 ? `<td rowspan="${rows.length}">${name}</td><td rowspan="${rows.length}">${h(client.servers)}</td>` : "";
        const cells = route ? `<td class="loc">${h(route.server)}</td><td>${h(route.target)}</td><td class="${route.status === "listening" ? "" : route.status === "unknown" ? "muted" : "error"}">${h(`${route.status}: ${route.detail}`)}</td>` : "<td></td><td></td><td></td>";
        out.push(`<tr>${lead}${cells}</tr>`);
      });
    }
    out.push("</tbody></table>");
    if (topology.unused.length > 0) {
      out.push("<p>memcached that no cache client of the inputs uses:</p><ul>");
      for (const u of topology.unused) out.push(`<li>${h(u.host)}: ${h(u.instance)} <span class="loc">${h(u.listeners)}</span></li>`);
      out.push("</ul>");
    }
  }
  out.push(`<p class="muted">${h(`${result.tool.name} ${result.tool.version}`)}</p>`, "</body>", "</html>");
  return `${out.join("\n")}\n`;
}

function snippetHtml(result: AnalysisResult, file: string, line: number): string {
  const text = result.snippets[snippetKey(file, line)];
  return text === undefined ? "" : `<pre>${escapeHtml(`${line} | ${text}`)}</pre>`;
}

/**
 * A per-minute chart: x is time (UTC, proportional), y the count; one point per minute with a 503
 * or a memcache error for each series, with a tooltip (`<title>`) and the numbers again in a
 * table for screen readers and copy-paste.
 */
function timelineHtml(timeline: ProxyTimeline, index: number): string[] {
  const h = escapeHtml;
  const { width, height, left, right, top, bottom } = CHART;
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const minutes = timeline.minutes;
  const out = [`<h2 id="timeline-${index + 1}">Timeline of ${h(timeline.host)}: 503 responses against memcache errors</h2>`];
  out.push(`<p>${h(`${plural(timeline.status503, "503 response")} and ${plural(timeline.memcacheErrors, "memcache error")} in total; ${plural(minutes.length, "minute")} with either (UTC).`)}${timeline.untimed > 0 ? h(` ${plural(timeline.untimed, "minute")} without a usable time are not plotted.`) : ""}</p>`);
  if (minutes.length === 0) return out;
  const first = minutes[0]!.minute;
  const last = minutes[minutes.length - 1]!.minute;
  const max = Math.max(1, ...minutes.map((m) => Math.max(m.status503, m.memcacheErrors)));
  const x = (minute: number) => round(last === first ? left + plotWidth / 2 : left + ((minute - first) / (last - first)) * plotWidth);
  const y = (count: number) => round(top + plotHeight - (count / max) * plotHeight);
  const svg: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" data-host="${h(timeline.host)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="timeline-${index + 1}-title">`,
    `<title id="timeline-${index + 1}-title">${h(`503 responses and memcache errors per minute on ${timeline.host}`)}</title>`,
    `<line x1="${left}" y1="${top + plotHeight}" x2="${width - right}" y2="${top + plotHeight}" stroke="#57606a"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotHeight}" stroke="#57606a"/>`,
    `<line x1="${left}" y1="${top}" x2="${width - right}" y2="${top}" stroke="#d0d7de" stroke-dasharray="4 4"/>`,
    `<text x="${left - 6}" y="${top + 4}" text-anchor="end" font-size="12" fill="#1b1f24">${max}</text>`,
    `<text x="${left - 6}" y="${top + plotHeight + 4}" text-anchor="end" font-size="12" fill="#1b1f24">0</text>`,
    `<text x="${left}" y="${height - 22}" font-size="12" fill="#1b1f24">${h(minuteText(first))}</text>`,
    ...(last !== first ? [`<text x="${width - right}" y="${height - 22}" text-anchor="end" font-size="12" fill="#1b1f24">${h(minuteText(last))}</text>`] : []),
    `<circle cx="${left + 6}" cy="${height - 8}" r="4" fill="${COLOR.status503}"/><text x="${left + 14}" y="${height - 4}" font-size="12" fill="#1b1f24">503 responses</text>`,
    `<circle cx="${left + 140}" cy="${height - 8}" r="4" fill="${COLOR.memcacheErrors}"/><text x="${left + 148}" y="${height - 4}" font-size="12" fill="#1b1f24">memcache errors</text>`,
  ];
  for (const series of ["status503", "memcacheErrors"] as const) {
    const points = minutes.map((m) => `${x(m.minute)},${y(m[series])}`).join(" ");
    svg.push(`<polyline class="series" data-series="${series}" fill="none" stroke="${COLOR[series]}" stroke-width="2" points="${points}"/>`);
    for (const m of minutes) {
      const label = `${minuteText(m.minute)} UTC: ${series === "status503" ? plural(m.status503, "503 response") : plural(m.memcacheErrors, "memcache error")}`;
      svg.push(`<circle class="point" data-series="${series}" data-minute="${h(minuteText(m.minute))}" data-count="${m[series]}" cx="${x(m.minute)}" cy="${y(m[series])}" r="3.5" fill="${COLOR[series]}"><title>${h(label)}</title></circle>`);
    }
  }
  svg.push("</svg>");
  out.push(...svg);
  out.push("<details><summary>The numbers</summary><table><thead><tr><th>minute (UTC)</th><th>503 responses</th><th>memcache errors</th></tr></thead><tbody>");
  for (const m of minutes) out.push(`<tr><td>${h(minuteText(m.minute))}</td><td class="num">${m.status503}</td><td class="num">${m.memcacheErrors}</td></tr>`);
  out.push("</tbody></table></details>");
  return out;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
