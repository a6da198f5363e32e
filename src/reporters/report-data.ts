import type { AnalysisResult } from "../engine/result.js";
import type { Level } from "../engine/rule.js";
import { hostName, serverList } from "../engine/describe.js";
import type { CacheRoute, MemcachedInstance } from "../model/deployment.js";
import type { MinuteCounts } from "../model/runtime/evidence.js";
import { effectiveListeners, kernelOf, listenerText } from "../engine/topology-describe.js";

/**
 * Plain rows for the reports people read outside a terminal (markdown, html): the same facts as
 * the human report's topology and timeline sections, without any markup, so each format only
 * escapes and lays them out.
 */

export interface TopologyRoute {
  /** The server entry as written (`192.0.2.11:11211`). */
  readonly server: string;
  /** The host the entry names, or `unknown host`. */
  readonly target: string;
  readonly status: CacheRoute["status"];
  /** What the status means here, with listeners and limits when known. */
  readonly detail: string;
}

export interface TopologyClient {
  /** Host name, shown when the inputs have several hosts; empty otherwise. */
  readonly host: string;
  /** `swift-proxy swift [filter:cache]`. */
  readonly client: string;
  /** The effective server list and where it came from, or the cache mode. */
  readonly servers: string;
  /** `file:line` of the section that configures the client. */
  readonly where: string;
  readonly routes: readonly TopologyRoute[];
}

export interface UnusedInstance {
  readonly host: string;
  readonly instance: string;
  readonly listeners: string;
}

export interface Topology {
  readonly clients: readonly TopologyClient[];
  /** memcached instances no cache client of the inputs uses. */
  readonly unused: readonly UnusedInstance[];
}

export function topologyOf(result: AnalysisResult): Topology {
  const deployment = result.deployment;
  const manyHosts = deployment.hosts.length > 1;
  const limits = (instance: MemcachedInstance): string => {
    const somaxconn = kernelOf(deployment, instance.hostId)?.somaxconn.value;
    return [
      `-c ${instance.maxConnections.value ?? "?"}`,
      `-b ${instance.listenBacklog.value ?? "?"}${somaxconn != null ? ` (somaxconn ${somaxconn})` : ""}`,
      `-m ${instance.memoryLimitMb.value ?? "?"}`,
      ...(instance.nofileLimit?.value != null ? [`nofile ${instance.nofileLimit.value}`] : []),
      ...(instance.udpPort.value ? [`UDP ${instance.udpPort.value}`] : []),
    ].join(" ");
  };
  const listeners = (i: MemcachedInstance) => `${effectiveListeners(i).map(listenerText).join(",") || "no TCP listener"} [${limits(i)}]`;
  const used = new Set<string>();
  const clients: TopologyClient[] = deployment.cacheClients.map((client) => {
    const servers =
      client.mode === "own-servers" || client.mode === "swift-ring"
        ? `${serverList(client.servers)}${client.serversOrigin.kind === "default" ? ` (${client.serversOrigin.product} default)` : ""}${client.mode === "swift-ring" ? " (Swift's ring via swift.cache)" : ""}`
        : client.mode === "in-process"
          ? "in-process token cache (no memcached)"
          : "caching disabled";
    const routes = deployment.cacheRoutes
      .filter((r) => r.clientId === client.id)
      .map((route): TopologyRoute => {
        const instances = deployment.memcachedInstances.filter((i) => route.instanceIds.includes(i.id));
        for (const i of instances) used.add(i.id);
        const where = instances.map(listeners).join("; ");
        const detail: Record<CacheRoute["status"], string> = {
          listening: `listening on ${where}`,
          "loopback-only": `only loopback: ${where}`,
          "not-listening": route.hostKnown && instances.length > 0 ? `not listening; memcached there: ${where}` : "no memcached listener known there",
          unknown: route.hostId ? "what listens there is unknown" : "no host of the inputs has this address",
        };
        return { server: route.server.raw, target: route.hostId ? hostName(deployment, route.hostId) : "unknown host", status: route.status, detail: detail[route.status] };
      });
    return {
      host: manyHosts ? hostName(deployment, client.hostId) : "",
      client: `${client.kind} ${client.service} [${client.section.value}]`,
      servers,
      where: `${client.section.location.file}:${client.section.location.line}`,
      routes,
    };
  });
  const unused = deployment.memcachedInstances
    .filter((i) => !used.has(i.id))
    .map((i) => ({ host: hostName(deployment, i.hostId), instance: `${i.source} ${i.name}`, listeners: listeners(i) }));
  return { clients, unused: deployment.memcachedInstances.length > 0 ? unused : [] };
}

export interface ProxyTimeline {
  readonly host: string;
  /** Minutes with a 503 or a memcache error and a known time, oldest first. */
  readonly minutes: readonly MinuteCounts[];
  /** Such minutes whose lines carried no usable time (not plotted). */
  readonly untimed: number;
  readonly status503: number;
  readonly memcacheErrors: number;
}

/** For each proxy with 503s or memcache errors in its logs: the per-minute series. */
export function timelinesOf(result: AnalysisResult): ProxyTimeline[] {
  const timelines: ProxyTimeline[] = [];
  for (const proxy of result.deployment.runtime.proxies) {
    const memcacheErrors = proxy.minutes.reduce((sum, m) => sum + m.memcacheErrors, 0);
    if (proxy.status503 === 0 && memcacheErrors === 0) continue;
    const affected = proxy.minutes.filter((m) => m.status503 > 0 || m.memcacheErrors > 0);
    const minutes = affected.filter((m) => m.minute >= 0).sort((a, b) => a.minute - b.minute);
    timelines.push({ host: hostName(result.deployment, proxy.hostId), minutes, untimed: affected.length - minutes.length, status503: proxy.status503, memcacheErrors });
  }
  return timelines;
}

/** `2024-05-01 16:08` (UTC). */
export function minuteText(epochMs: number): string {
  const iso = new Date(epochMs).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

export const LEVEL_ORDER: readonly Level[] = ["error", "warning", "note"];
