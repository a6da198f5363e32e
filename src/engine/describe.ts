import type { CacheClient, CacheClientKind, Deployment, ServerEntry } from "../model/deployment.js";
import { plural, timeRange } from "../model/runtime/describe.js";
import type { SourceLocation } from "../model/source.js";

/** Words for rule messages: stable, human, never a secret. */
const KIND_LABEL: Record<CacheClientKind, string> = {
  "swift-proxy": "the Swift proxy",
  "swift-object-expirer": "the Swift object-expirer",
  "swift-container-reconciler": "the Swift container-reconciler",
  "swift-internal-client": "the Swift internal client",
  keystonemiddleware: "keystonemiddleware",
  "oslo-cache": "oslo.cache",
};

export function clientLabel(client: CacheClient): string {
  const what = client.kind === "keystonemiddleware" || client.kind === "oslo-cache" ? `${KIND_LABEL[client.kind]} in ${client.service}` : KIND_LABEL[client.kind];
  return `${what} [${client.section.value}]`;
}

export function hostName(deployment: Deployment, hostId: string): string {
  return deployment.hosts.find((h) => h.id === hostId)?.name ?? hostId;
}

export function serverList(servers: readonly ServerEntry[]): string {
  return servers.map((s) => s.raw).join(", ");
}

/** "proxy1" when the deployment has several hosts, "" otherwise (a single host needs no name). */
export function onHost(deployment: Deployment, hostId: string): string {
  return deployment.hosts.length > 1 ? ` on ${hostName(deployment, hostId)}` : "";
}

/** Clients that choose their own servers (not sharing Swift's ring, not disabled/in-process). */
export function serverListClients(deployment: Deployment): CacheClient[] {
  return deployment.cacheClients.filter((c) => c.mode === "own-servers");
}

/** What a rule reports for one series of memcached log conditions: the first line, the last as related. */
export interface MessageSeriesReport {
  readonly data: { readonly what: string; readonly count: string; readonly host: string; readonly range: string };
  readonly location: SourceLocation;
  readonly related?: readonly { readonly location: SourceLocation; readonly message: string }[];
  readonly key: string;
}

/**
 * One report per series of memcached log lines whose condition `conditions` names (condition →
 * what to say). Shared by the rules that read memcached's own messages and clients' echoes of them.
 */
export function memcachedMessageReports(deployment: Deployment, conditions: Readonly<Record<string, string>>): MessageSeriesReport[] {
  const reports: MessageSeriesReport[] = [];
  for (const series of deployment.runtime.memcachedMessages) {
    const what = Object.hasOwn(conditions, series.condition) ? conditions[series.condition] : undefined;
    if (!what) continue;
    reports.push({
      data: { what, count: plural(series.count, "time"), host: hostName(deployment, series.hostId), range: timeRange(series.first, series.last) },
      location: series.first.location,
      ...(series.count > 1 ? { related: [{ location: series.last.location, message: "the last such line" }] } : {}),
      key: `${series.hostId}:${series.condition}`,
    });
  }
  return reports;
}

/** Steps shown at each end of a long firewall path; the chains between are counted, not listed. */
const PATH_ENDS = 6;

/**
 * A firewall path for a message: `INPUT → MEMCACHED → REJECT at line 11`. A path through a
 * chain of thousands of jumps (hostile or generated rulesets) keeps its first and last steps and
 * says how many it leaves out, so one finding never grows with the ruleset.
 */
export function describeFirewallPath(path: readonly string[]): string {
  if (path.length === 0) return "(no rule reached)";
  if (path.length <= 2 * PATH_ENDS + 1) return path.join(" → ");
  const hidden = path.length - 2 * PATH_ENDS;
  return [...path.slice(0, PATH_ENDS), `… ${hidden} more …`, ...path.slice(-PATH_ENDS)].join(" → ");
}
