import type { CacheClient, CacheClientKind, Deployment, ServerEntry } from "../model/deployment.js";

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
