import type { AnalysisResult } from "../engine/result.js";
import { formatLocation } from "../model/source.js";
import { countByLevel } from "./human.js";
import { minuteText, plural, timelinesOf, topologyOf } from "./report-data.js";

/** Rows of the per-minute timeline shown per proxy (the human report shows as many). */
const TIMELINE_ROWS = 40;

/**
 * Text in GitHub-flavoured Markdown, table cells included: every character Markdown could read as
 * markup is backslash-escaped (GFM lets any ASCII punctuation be escaped, and wants `\|` for a pipe
 * in a table cell), `$` too (GitHub renders math), and line breaks become `<br>`. Each character is
 * escaped on its own, so text is never read as emphasis, a link, HTML or a code span.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>|~&$]/gu, (c) => `\\${c}`).replace(/\r\n?|\n/gu, "<br>");
}

/**
 * Markdown for `$GITHUB_STEP_SUMMARY` and support tickets: the counts, every finding in a table
 * with its location, input problems, the 503/memcache-error timeline per proxy, and the topology
 * (cache client → server → memcached). Deterministic; no timestamps.
 */
export function formatMarkdown(result: AnalysisResult): string {
  const e = escapeMarkdown;
  const c = countByLevel(result);
  const skipped = Object.values(result.files.skipped).reduce((a, b) => a + b, 0);
  const out: string[] = [];
  const total = c.error + c.warning + c.note;
  out.push(`## ${e(result.tool.name)}: ${total === 0 ? "no problems" : `${plural(c.error, "error")}, ${plural(c.warning, "warning")}, ${plural(c.note, "note")}`}`, "");
  out.push("| errors | warnings | notes | input problems | files analyzed | files skipped |", "|---:|---:|---:|---:|---:|---:|");
  out.push(`| ${c.error} | ${c.warning} | ${c.note} | ${result.diagnostics.length} | ${result.files.analyzed.length} | ${skipped} |`, "");

  if (result.findings.length > 0) {
    out.push("### Findings", "", "| level | rule | location | message |", "|---|---|---|---|");
    for (const f of result.findings) {
      const related = f.related.map((r) => `<br>↳ ${e(formatLocation(r.location))} ${e(r.message)}`).join("");
      const rule = result.rules.find((r) => r.id === f.ruleId);
      const ruleCell = rule ? `[${e(`${f.ruleId} ${f.ruleName}`)}](${rule.helpUri})` : e(`${f.ruleId} ${f.ruleName}`);
      out.push(`| ${f.level} | ${ruleCell} | ${e(formatLocation(f.location))} | ${e(f.message)}${related} |`);
    }
    out.push("");
  }

  if (result.diagnostics.length > 0) {
    out.push("### Input problems", "", "The rest of the run went on; these files were read only in part or not at all.", "", "| severity | location | problem | code |", "|---|---|---|---|");
    for (const d of result.diagnostics) {
      const where = d.line ? `${d.file}:${d.line}${d.column ? `:${d.column}` : ""}` : d.file;
      out.push(`| ${d.severity} | ${e(where)} | ${e(d.message)} | ${e(d.code)} |`);
    }
    out.push("");
  }

  for (const timeline of timelinesOf(result)) {
    out.push(`### Timeline of ${e(timeline.host)} (UTC, per minute)`, "");
    out.push(`${plural(timeline.status503, "503 response")} and ${plural(timeline.memcacheErrors, "memcache error")} in total.`, "");
    out.push("| minute (UTC) | 503 responses | memcache errors |", "|---|---:|---:|");
    for (const m of timeline.minutes.slice(0, TIMELINE_ROWS)) out.push(`| ${minuteText(m.minute)} | ${m.status503} | ${m.memcacheErrors} |`);
    if (timeline.minutes.length > TIMELINE_ROWS) out.push(`| … ${timeline.minutes.length - TIMELINE_ROWS} more minutes | | |`);
    if (timeline.untimed > 0) out.push(`| no usable time (${plural(timeline.untimed, "minute")}) | | |`);
    out.push("");
  }

  const topology = topologyOf(result);
  if (topology.clients.length > 0) {
    out.push("### Topology (cache client → server → memcached)", "", "| client | servers | server | host | status |", "|---|---|---|---|---|");
    for (const client of topology.clients) {
      const name = `${client.host ? `${e(client.host)}: ` : ""}${e(client.client)}<br>${e(client.where)}`;
      if (client.routes.length === 0) out.push(`| ${name} | ${e(client.servers)} | | | |`);
      client.routes.forEach((route, index) => {
        out.push(`| ${index === 0 ? name : ""} | ${index === 0 ? e(client.servers) : ""} | ${e(route.server)} | ${e(route.target)} | ${route.status}: ${e(route.detail)} |`);
      });
    }
    out.push("");
    if (topology.unused.length > 0) {
      out.push("memcached that no cache client of the inputs uses:", "");
      for (const u of topology.unused) out.push(`- ${e(u.host)}: ${e(u.instance)} ${e(u.listeners)}`);
      out.push("");
    }
  }
  out.push(`<sub>${e(`${result.tool.name} ${result.tool.version}`)}</sub>`);
  return `${out.join("\n")}\n`;
}
