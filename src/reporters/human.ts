import type { AnalysisResult } from "../engine/result.js";
import { snippetKey } from "../engine/result.js";
import type { Finding, Level } from "../engine/rule.js";
import { describeFirewallPath, hostName, serverList } from "../engine/describe.js";
import type { SourceLocation } from "../model/source.js";
import type { CacheRoute, HostPathVerdict, MemcachedInstance } from "../model/deployment.js";
import { decidingLocation } from "../model/host-firewall.js";
import { effectiveListeners, kernelOf, listenerText } from "../engine/topology-describe.js";

export interface HumanOptions {
  /** ANSI colour; the CLI turns it on only when stdout is a TTY (and NO_COLOR is unset). */
  readonly color?: boolean;
}

const PAINT = { red: 31, yellow: 33, cyan: 36, dim: 2, bold: 1, green: 32 } as const;
type Paint = keyof typeof PAINT;

/** The report for people: findings grouped by file, each with its evidence and fix, then a summary. */
export function formatHuman(result: AnalysisResult, options: HumanOptions = {}): string {
  const paint = (style: Paint, text: string) => (options.color ? `\u001b[${PAINT[style]}m${text}\u001b[0m` : text);
  const levelWord: Record<Level, string> = { error: paint("red", "error"), warning: paint("yellow", "warning"), note: paint("cyan", "note") };
  const out: string[] = [];

  const byFile = new Map<string, Finding[]>();
  for (const finding of result.findings) {
    const list = byFile.get(finding.location.file) ?? [];
    list.push(finding);
    byFile.set(finding.location.file, list);
  }
  for (const [file, findings] of byFile) {
    out.push(paint("bold", file));
    for (const f of findings) {
      out.push(`  ${f.location.line}:${f.location.column}  ${levelWord[f.level]}  ${f.message}  ${paint("dim", `${f.ruleId}/${f.ruleName}`)}`);
      out.push(...snippet(result, f.location, paint));
      for (const related of f.related) {
        out.push(`      ${paint("dim", "↳")} ${related.location.file}:${related.location.line}:${related.location.column}  ${related.message}`);
        out.push(...snippet(result, related.location, paint, "        "));
      }
    }
    out.push("");
  }

  if (result.diagnostics.length > 0) {
    out.push(paint("bold", "Input problems (the rest of the run went on)"));
    for (const d of result.diagnostics) {
      const where = d.line ? `${d.file}:${d.line}${d.column ? `:${d.column}` : ""}` : d.file;
      out.push(`  ${where}  ${d.severity}  ${d.message}  ${paint("dim", d.code)}`);
    }
    out.push("");
  }

  out.push(...runtimeSection(result, paint));

  const clients = result.deployment.cacheClients;
  if (clients.length > 0) {
    out.push(paint("bold", "Cache clients"));
    for (const client of clients) {
      const where = `${client.section.location.file}:${client.section.location.line}`;
      const host = result.deployment.hosts.length > 1 ? `${hostName(result.deployment, client.hostId)}  ` : "";
      const servers =
        client.mode === "own-servers" || client.mode === "swift-ring"
          ? `→ ${serverList(client.servers)}${client.serversOrigin.kind === "default" ? ` (${client.serversOrigin.product} default)` : ""}${client.mode === "swift-ring" ? " (Swift's ring via swift.cache)" : ""}`
          : client.mode === "in-process"
            ? "→ in-process token cache (no memcached)"
            : "→ caching disabled";
      out.push(`  ${host}${client.kind} ${client.service} [${client.section.value}] ${servers}  ${paint("dim", where)}`);
    }
    out.push("");
  }

  out.push(...topologySection(result, paint));
  out.push(summaryLine(result, paint));
  return `${out.join("\n")}\n`;
}

const TIMELINE_MINUTES = 40;
const BAR = 20;

const YEAR_WORDS: Record<string, string> = {
  "bundle-year": "from the bundle's date file",
  "file-year": "from the journal's own header",
  "flag-year": "from --log-year",
  "assumed-year": "assumed from the file's modification time",
};

/**
 * For each affected proxy (503s or memcache errors), a per-minute timeline of 503s against
 * memcache errors, and where year-less timestamps got their year. Text only, deterministic.
 */
function runtimeSection(result: AnalysisResult, paint: (s: Paint, t: string) => string): string[] {
  const runtime = result.deployment.runtime;
  const out: string[] = [];
  const years = runtime.logSources.filter((s) => s.yearSource !== null);
  if (runtime.logSources.length > 0) {
    out.push(paint("bold", "Logs"));
    const records = runtime.logSources.reduce((sum, s) => sum + s.records, 0);
    const events = runtime.logSources.reduce((sum, s) => sum + s.events, 0);
    out.push(`  ${runtime.logSources.length} log file${runtime.logSources.length === 1 ? "" : "s"} read: ${records} relevant records decoded, ${events} events`);
    for (const source of years) out.push(`  ${source.file}: timestamps without a year read as ${source.year} ${YEAR_WORDS[source.yearSource!] ?? source.yearSource}`);
    out.push("");
  }
  for (const proxy of runtime.proxies) {
    const errors = proxy.minutes.reduce((sum, m) => sum + m.memcacheErrors, 0);
    if (proxy.status503 === 0 && errors === 0) continue;
    out.push(paint("bold", `Timeline of ${hostName(result.deployment, proxy.hostId)} (UTC, per minute): 503 responses against memcache errors`));
    const minutes = proxy.minutes.filter((m) => m.status503 > 0 || m.memcacheErrors > 0);
    const max = Math.max(1, ...minutes.map((m) => Math.max(m.status503, m.memcacheErrors)));
    const bar = (count: number) => "#".repeat(count === 0 ? 0 : Math.max(1, Math.round((count / max) * BAR))).padEnd(BAR);
    let day = "";
    for (const m of minutes.slice(0, TIMELINE_MINUTES)) {
      let when = "no time  ";
      if (m.minute >= 0) {
        const iso = new Date(m.minute).toISOString();
        const thisDay = iso.slice(0, 10);
        when = `${thisDay === day ? "          " : thisDay} ${iso.slice(11, 16)}`;
        day = thisDay;
      }
      out.push(`  ${when}  503 ${String(m.status503).padStart(6)} ${bar(m.status503)}  memcache errors ${String(m.memcacheErrors).padStart(6)} ${bar(m.memcacheErrors)}`.trimEnd());
    }
    if (minutes.length > TIMELINE_MINUTES) out.push(`  … ${minutes.length - TIMELINE_MINUTES} more minutes with 503s or memcache errors`);
    out.push(`  total: ${proxy.status503} 503 responses, ${errors} memcache errors`);
    out.push("");
  }
  return out;
}

function snippet(result: AnalysisResult, location: SourceLocation, paint: (s: Paint, t: string) => string, indent = "      "): string[] {
  const text = result.snippets[snippetKey(location.file, location.line)];
  if (text === undefined) return [];
  const shown = text.length > 160 ? `${text.slice(0, 157)}...` : text;
  return [`${indent}${paint("dim", `${location.line} |`)} ${shown}`];
}

export function countByLevel(result: AnalysisResult): Record<Level, number> {
  const counts: Record<Level, number> = { error: 0, warning: 0, note: 0 };
  for (const f of result.findings) counts[f.level]++;
  return counts;
}

function summaryLine(result: AnalysisResult, paint: (s: Paint, t: string) => string): string {
  const c = countByLevel(result);
  const total = c.error + c.warning + c.note;
  const files = new Set(result.findings.map((f) => f.location.file)).size;
  const skipped = Object.values(result.files.skipped).reduce((a, b) => a + b, 0);
  const suppressed = result.suppressed?.length ?? 0;
  const scope = `${result.files.analyzed.length} file${result.files.analyzed.length === 1 ? "" : "s"} analyzed, ${skipped} skipped, ${result.diagnostics.length} input problem${result.diagnostics.length === 1 ? "" : "s"}${suppressed > 0 ? `, ${suppressed} suppressed` : ""}`;
  if (total === 0) return `${paint("green", "✔ no problems")} (${scope})`;
  const mark = c.error > 0 ? paint("red", "✖") : paint("yellow", "⚠");
  return `${mark} ${total} problem${total === 1 ? "" : "s"} (${c.error} error${c.error === 1 ? "" : "s"}, ${c.warning} warning${c.warning === 1 ? "" : "s"}, ${c.note} note${c.note === 1 ? "" : "s"}) in ${files} file${files === 1 ? "" : "s"}; ${scope}`;
}

/**
 * Each cache client → its servers → the host, whether a listener is known there, on which
 * address, with which limits. Only when the inputs say where memcached runs.
 */
function topologySection(result: AnalysisResult, paint: (s: Paint, t: string) => string): string[] {
  const deployment = result.deployment;
  if (deployment.memcachedInstances.length === 0) return [];
  const out = [paint("bold", "Topology (cache client → server → memcached)")];
  const limits = (instance: MemcachedInstance): string => {
    const somaxconn = kernelOf(deployment, instance.hostId)?.somaxconn.value;
    const parts = [
      `-c ${instance.maxConnections.value ?? "?"}`,
      `-b ${instance.listenBacklog.value ?? "?"}${somaxconn != null ? ` (somaxconn ${somaxconn})` : ""}`,
      `-m ${instance.memoryLimitMb.value ?? "?"}`,
      ...(instance.nofileLimit?.value != null ? [`nofile ${instance.nofileLimit.value}`] : []),
      ...(instance.udpPort.value ? [`UDP ${instance.udpPort.value}`] : []),
    ];
    return parts.join(" ");
  };
  const shown = new Set<string>();
  for (const client of deployment.cacheClients) {
    const routes = deployment.cacheRoutes.filter((r) => r.clientId === client.id);
    if (routes.length === 0) continue;
    const host = deployment.hosts.length > 1 ? `${hostName(deployment, client.hostId)}  ` : "";
    out.push(`  ${host}${client.kind} ${client.service} [${client.section.value}]`);
    for (const route of routes) {
      const target = route.hostId ? hostName(deployment, route.hostId) : "unknown host";
      const instances = deployment.memcachedInstances.filter((i) => route.instanceIds.includes(i.id));
      for (const i of instances) shown.add(i.id);
      const where = instances.map((i) => `${effectiveListeners(i).map(listenerText).join(",") || "no TCP listener"} [${limits(i)}]`).join("; ");
      const verdict: Record<CacheRoute["status"], string> = {
        listening: paint("green", `listening on ${where}`),
        "loopback-only": paint("red", `only loopback: ${where}`),
        "not-listening": paint("red", route.hostKnown && instances.length > 0 ? `not listening; memcached there: ${where}` : "no memcached listener known there"),
        unknown: paint("dim", route.hostId ? "what listens there is unknown" : "no host of the inputs has this address"),
      };
      out.push(`    → ${route.server.raw}  ${target}  ${verdict[route.status]}`);
      for (const line of firewallLines(result, route, paint)) out.push(`        ${line}`);
    }
  }
  const unused = deployment.memcachedInstances.filter((i) => !shown.has(i.id));
  if (unused.length > 0) {
    out.push(`  ${paint("dim", "memcached no client of the inputs uses:")}`);
    for (const i of unused) out.push(`    ${hostName(deployment, i.hostId)}  ${i.source} ${i.name}  ${effectiveListeners(i).map(listenerText).join(",") || "no TCP listener"} [${limits(i)}]`);
  }
  // Observed demand: the clients holding the most ESTABLISHED connections (connection sprawl fills backlogs).
  for (const demand of deployment.connectionDemand) {
    const instance = deployment.memcachedInstances.find((i) => i.id === demand.instanceId);
    const limit = instance?.maxConnections.value;
    const seen = demand.seenFrom === "server" ? "its own capture" : "the clients' captures";
    out.push(`  ${paint("bold", "top clients")} of ${hostName(deployment, demand.hostId)}:${demand.port}: ${demand.total} ESTABLISHED (${seen})${limit != null ? ` of -c ${limit}` : ""}`);
    for (const c of demand.clients.slice(0, 5)) out.push(`    ${String(c.connections).padStart(5)}  ${c.address ?? "unknown address"}${c.hostId ? `  ${hostName(deployment, c.hostId)}` : ""}`);
    if (demand.clients.length > 5) out.push(`    ${paint("dim", `… ${demand.clients.length - 5} more client addresses`)}`);
  }
  out.push("");
  return out;
}

/**
 * The firewall verdicts of one route: per source address, the server host's input path and the
 * client host's output path, with the path taken or the deciding rule.
 */
function firewallLines(result: AnalysisResult, route: CacheRoute, paint: (s: Paint, t: string) => string): string[] {
  const deployment = result.deployment;
  const paths = deployment.firewallPaths.filter((p) => p.clientId === route.clientId && p.server === route.server);
  const side = (v: HostPathVerdict | null): string | null => {
    if (v === null || v.verdict === "none") return null;
    const host = hostName(deployment, v.hostId);
    const hook = v.hook === "input" ? "in" : "out";
    if (v.verdict === "accept") return paint("green", `${host} ${hook}: accept ${v.rulesets.map((r) => describeFirewallPath(r.path)).join(" | ")}`);
    const decisive = v.rulesets[v.decidedBy ?? 0]!;
    const where = decidingLocation(decisive);
    const detail = `${describeFirewallPath(decisive.path)}${where ? ` (${where.file}:${where.line})` : ""}`;
    if (v.verdict === "unknown") return paint("dim", `${host} ${hook}: unknown, ${decisive.unknownReason ?? "undecidable rule"}${where ? ` (${where.file}:${where.line})` : ""}`);
    return paint("red", `${host} ${hook}: ${v.verdict} ${detail}`);
  };
  return paths.flatMap((p) => {
    const sides = [side(p.input), p.inputNotEvaluated ? paint("dim", `${p.serverHostId ? hostName(deployment, p.serverHostId) : "server"} in: not evaluated, ${p.inputNotEvaluated}`) : null, side(p.output)].filter((s): s is string => s !== null);
    if (sides.length === 0) return [];
    return [`firewall ${p.clientAddress ?? "any source"} → ${p.serverAddress}:${p.port}  ${sides.join("; ")}`];
  });
}
