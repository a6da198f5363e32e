import { clientLabel, hostName, onHost } from "../src/engine/describe.js";
import { defineRule, type RelatedLocation } from "../src/engine/rule.js";
import { instanceLabel, kernelOf, routesTo, settingLocation } from "../src/engine/topology-describe.js";
import type { CacheClient, ConnectionDemand, Deployment } from "../src/model/deployment.js";

/**
 * Every Swift proxy worker keeps up to memcache_max_connections connections per server
 * (swift/common/memcached.py MemcacheConnPool); oslo.cache's and keystonemiddleware's pools hold
 * up to memcache_pool_maxsize per server in every process (REFERENCE-openstack §2), so a service
 * with N API workers on H hosts opens up to H × N × memcache_pool_maxsize. memcached refuses connections beyond -c
 * (`ERROR Too many open connections`, REFERENCE-openstack §5.1).
 */
export default defineRule({
  id: "SL202",
  name: "memcached-max-connections-low",
  level: "warning",
  tags: ["reliability", "performance", "memcached", "topology"],
  precision: "medium",
  summary: "memcached's connection limit (-c) is below what its clients can open.",
  description:
    "Estimates the connections an instance must accept: for every Swift proxy that lists it, workers × memcache_max_connections (workers = auto counts the CPUs when known), plus, for every other client configuration that lists it, its processes × memcache_pool_maxsize (processes: the service's workers option, Kolla's openstack_service_workers = min(vCPUs, 5), else 1; the message says which counts were assumed), with 25 % headroom. Fires when -c is below that; when a socket capture (ss -tanp, ss -peaonmi, netstat -neopa) shows more ESTABLISHED connections to the instance than -c allows with that headroom; or, when no demand can be estimated, below the floor (4096). The message shows the arithmetic.",
  messages: {
    belowDemand:
      "{instance} accepts -c {limit} ({limitOrigin}) but its clients can open {demand} connections: {arithmetic}{assumed}; with {headroom} % headroom it needs at least {required}. Raise -c to {required} or more.",
    belowObserved:
      "{instance} accepts -c {limit} ({limitOrigin}) but {observed} connections to it were ESTABLISHED in the capture ({seenFrom}): {arithmetic}; with {headroom} % headroom it needs at least {required}. Raise -c to {required} or more, or shrink the clients' pools.",
    belowFloor:
      "{instance} accepts -c {limit} ({limitOrigin}), below the floor of {floor} for an OpenStack cache{why}. Raise -c (Kolla uses 5000, OpenStack-Ansible 4096, TripleO 8192).",
  },
  check({ deployment, settings, report }) {
    for (const instance of deployment.memcachedInstances) {
      const limit = instance.maxConnections.value;
      if (limit === null) continue;
      const limitOrigin = instance.maxConnections.origin.kind === "file" ? "written" : `the ${instance.maxConnections.origin.product} default`;
      const clients = [...new Map(routesTo(deployment, instance).map((r) => [r.clientId, deployment.cacheClients.find((c) => c.id === r.clientId)!])).values()];
      const related: RelatedLocation[] = clients.slice(0, 6).map((c) => ({ location: c.servers[0]?.location ?? c.section.location, message: `${clientLabel(c)}${onHost(deployment, c.hostId)} lists this server` }));
      const terms = clients.map((c) => demandOf(deployment, c));
      const location = settingLocation(instance, instance.maxConnections);
      const key = `${instance.id}:max-connections`;
      const observed = deployment.connectionDemand.find((d) => d.instanceId === instance.id);
      const observedRequired = observed ? Math.ceil(observed.total * (1 + settings.connectionHeadroom)) : 0;
      const reportObserved = (seen: ConnectionDemand) =>
        report({
          messageId: "belowObserved",
          data: {
            instance: instanceLabel(deployment, instance),
            limit,
            limitOrigin,
            observed: seen.total,
            seenFrom: seen.seenFrom === "server" ? `counted on ${seen.clients[0]!.location.file}` : "counted on the clients' captures",
            arithmetic: observedArithmetic(deployment, seen),
            headroom: Math.round(settings.connectionHeadroom * 100),
            required: observedRequired,
          },
          location,
          related: seen.clients.slice(0, 6).map((c) => ({ location: c.location, message: `${c.connections} ESTABLISHED connection${c.connections === 1 ? "" : "s"} from ${clientName(deployment, c)}` })),
          key,
        });
      if (clients.length > 0 && terms.every((t) => t.connections !== null)) {
        const demand = terms.reduce((sum, t) => sum + t.connections!, 0);
        const required = Math.ceil(demand * (1 + settings.connectionHeadroom));
        if (limit >= required) {
          if (observed && limit < observedRequired) reportObserved(observed);
          continue;
        }
        const assumed = [...new Set(terms.flatMap((t) => (t.assumed ? [t.assumed] : [])))].sort();
        report({
          messageId: "belowDemand",
          data: {
            instance: instanceLabel(deployment, instance),
            limit,
            limitOrigin,
            demand,
            arithmetic: groupTerms(terms).map((t) => t.text).join(" + "),
            assumed: assumed.length === 0 ? "" : ` (assumed: ${assumed.join("; ")})`,
            headroom: Math.round(settings.connectionHeadroom * 100),
            required,
          },
          location,
          related,
          key,
        });
        continue;
      }
      if (observed && limit < observedRequired) {
        reportObserved(observed);
        continue;
      }
      if (limit >= settings.maxConnectionsFloor) continue;
      const unknown = groupTerms(terms).filter((t) => t.connections === null).map((t) => t.text);
      report({
        messageId: "belowFloor",
        data: {
          instance: instanceLabel(deployment, instance),
          limit,
          limitOrigin,
          floor: settings.maxConnectionsFloor,
          why: clients.length === 0 ? " (no client configuration in the inputs lists it, so the demand cannot be estimated)" : ` (the demand cannot be estimated: ${unknown.join("; ")})`,
        },
        location,
        related,
        key,
      });
    }
  },
});

/** `10.0.0.21 (cmp1) 40 + 10.0.0.22 (cmp2) 20 = 60`, the six largest clients and the rest summed. */
function observedArithmetic(deployment: Deployment, demand: ConnectionDemand): string {
  const shown = demand.clients.slice(0, 6).map((c) => `${clientName(deployment, c)} ${c.connections}`);
  const rest = demand.clients.slice(6);
  if (rest.length > 0) shown.push(`${rest.length} other client${rest.length === 1 ? "" : "s"} ${rest.reduce((n, c) => n + c.connections, 0)}`);
  return `${shown.join(" + ")} = ${demand.total}`;
}

function clientName(deployment: Deployment, client: ConnectionDemand["clients"][number]): string {
  const address = client.address ?? "an unknown address";
  return client.hostId ? `${address} (${hostName(deployment, client.hostId)})` : address;
}

interface DemandTerm {
  readonly connections: number | null;
  readonly text: string;
  /** What the term multiplies, without the host: equal keys on several hosts are shown once. */
  readonly key: string;
  readonly host: string;
  readonly perHost: string;
  readonly assumed: string | null;
}

/**
 * `3 hosts (ctl1, ctl2, ctl3) × keystonemiddleware in nova-api [keystone_authtoken] 5 workers
 * × 10 memcache_pool_maxsize = 150`: clients that differ only by host are one term.
 */
function groupTerms(terms: readonly DemandTerm[]): DemandTerm[] {
  const groups = new Map<string, DemandTerm[]>();
  for (const t of terms) {
    const group = groups.get(t.key) ?? [];
    group.push(t);
    groups.set(t.key, group);
  }
  return [...groups.values()].map((group) => {
    const first = group[0]!;
    if (group.length === 1 || first.connections === null) return group.length === 1 ? first : { ...first, connections: null, text: group.map((t) => t.text).join("; ") };
    const total = first.connections * group.length;
    const hosts = group.map((t) => t.host).filter((h) => h !== "");
    const which = hosts.length === group.length ? ` (${hosts.join(", ")})` : "";
    return { ...first, connections: total, text: `${group.length} hosts${which} × ${first.perHost} = ${total}` };
  });
}

function demandOf(deployment: Deployment, client: CacheClient): DemandTerm {
  const host = deployment.hosts.length > 1 ? hostName(deployment, client.hostId) : "";
  const label = clientLabel(client);
  const on = host ? ` on ${host}` : "";
  const cpus = kernelOf(deployment, client.hostId)?.cpuCount?.value ?? null;
  if (client.kind === "swift-proxy") {
    const perWorker = Number(client.settings.memcache_max_connections?.value ?? "2");
    const workersText = client.settings.workers?.value ?? "auto";
    let workers: number | null = /^\d+$/u.test(workersText) ? Math.max(1, Number(workersText)) : null;
    let how = `${workersText} workers`;
    if (workersText === "auto") {
      workers = cpus;
      how = cpus === null ? "workers = auto with an unknown CPU count" : `${cpus} workers (auto = CPUs)`;
    }
    if (workers === null) return { connections: null, text: `${label}${on}: ${how}`, key: `${label}${on}`, host, perHost: how, assumed: null };
    const perHost = `${label} ${how} × ${perWorker} memcache_max_connections`;
    return { connections: workers * perWorker, text: `${label}${on} ${how} × ${perWorker} memcache_max_connections = ${workers * perWorker}`, key: perHost, host, perHost, assumed: null };
  }
  const pool = Number(client.settings.memcache_pool_maxsize?.value ?? "10");
  const poolText = `${pool} memcache_pool_maxsize${client.settings.memcache_pool_maxsize && client.settings.memcache_pool_maxsize.origin.kind === "default" ? " (default)" : ""}`;
  const { workers, how, assumed } = processesOf(client, cpus);
  const perHost = `${label} ${how} × ${poolText}`;
  return { connections: workers * pool, text: `${label}${on} ${how} × ${poolText} = ${workers * pool}`, key: perHost, host, perHost, assumed };
}

/**
 * Processes of a keystonemiddleware / oslo.cache client, each with its own pool: the service's
 * workers option, Kolla's `openstack_service_workers` = min(vCPUs, 5), or one when unknown.
 */
function processesOf(client: CacheClient, cpus: number | null): { workers: number; how: string; assumed: string | null } {
  const p = client.processes;
  if (!p) return { workers: 1, how: "1 process", assumed: `${client.service}: 1 process (its worker count is not in the inputs)` };
  const from = p.origin.kind === "default" ? `${p.origin.product} default` : "written";
  if (p.value !== null) return { workers: p.value, how: `${p.value} worker${p.value === 1 ? "" : "s"} (${p.option}, ${from})`, assumed: null };
  const cap = p.cpuCap ?? Number.POSITIVE_INFINITY;
  if (cpus !== null) {
    const n = Math.max(1, Math.min(cpus, cap));
    return { workers: n, how: `${n} workers (${p.option} = min(${cpus} CPUs, ${cap}))`, assumed: null };
  }
  const n = Number.isFinite(cap) ? cap : 1;
  return { workers: n, how: `${n} workers (${p.option})`, assumed: `${client.service}: ${n} workers (${p.option} = min(CPUs, ${cap}), CPU count unknown)` };
}
