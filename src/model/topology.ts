import { parseIp } from "../engine/ip.js";
import { kernelMajorMinor } from "../parsers/host-facts.js";
import type { ParsedTopologyFile } from "../parsers/topology-document.js";
import { applySysctlOrder, sysctlEntry, sysctlNumber, type SysctlDocument } from "../parsers/sysctl.js";
import type {
  CacheClient,
  CacheRoute,
  ConnectionDemand,
  ConnectionDemandClient,
  Host,
  HostAddress,
  HostKernel,
  KollaInventory,
  MemcachedInstance,
  MemcachedListener,
  ObservedConnection,
  ObservedSocket,
  ObservedSockets,
  SettingOrigin,
} from "./deployment.js";
import type { Diagnostic } from "./diagnostic.js";
import { buildLaunchInstances, scopeOf } from "./memcached-instance.js";
import { DEFAULT_MEMCACHED_PORT, isLoopbackHost } from "./server-list.js";
import { groupHosts } from "../parsers/kolla.js";

/**
 * The topology: hosts with their addresses, memcached instances (launch configs and observed
 * listeners), kernel settings, sockets, and for every client's server entry the host and
 * instance it reaches.
 */
export interface NamedHost {
  readonly name: string;
  readonly addresses: readonly string[];
  /** What the user says the host is for (config file `hosts.<name>.role`). */
  readonly role?: string;
}

export interface Topology {
  readonly hosts: Host[];
  readonly memcachedInstances: MemcachedInstance[];
  readonly hostKernels: HostKernel[];
  readonly observedSockets: ObservedSockets[];
  readonly cacheRoutes: CacheRoute[];
  readonly kollaInventories: KollaInventory[];
  readonly connectionDemand: ConnectionDemand[];
  readonly diagnostics: Diagnostic[];
}

const LINUX: SettingOrigin = { kind: "default", product: "Linux" };

interface MutableHost {
  id: string;
  name: string;
  nameSource: Host["nameSource"];
  aliases: Set<string>;
  evidence: HostAddress[];
  role?: string;
}

export function buildTopology(baseHosts: readonly Host[], clients: readonly CacheClient[], files: readonly ParsedTopologyFile[], namedHosts: readonly NamedHost[] = []): Topology {
  const diagnostics: Diagnostic[] = [];
  const launch = buildLaunchInstances(files);
  diagnostics.push(...launch.diagnostics);

  const hosts = new Map<string, MutableHost>();
  for (const h of baseHosts) hosts.set(h.id, { id: h.id, name: h.name, nameSource: h.nameSource, aliases: new Set(h.aliases), evidence: [...h.addressEvidence] });
  const addEvidence = (hostId: string, evidence: HostAddress) => {
    const host = hosts.get(hostId);
    if (!host || isLoopbackHost(evidence.address)) return;
    if (!host.evidence.some((e) => e.address === evidence.address && e.source === evidence.source)) host.evidence.push(evidence);
  };
  for (const inv of launch.inventoryHosts) {
    if (!hosts.has(inv.hostId)) hosts.set(inv.hostId, { id: inv.hostId, name: inv.name, nameSource: "inventory", aliases: new Set(), evidence: [] });
    if (inv.address && parseIp(inv.address.value)) addEvidence(inv.hostId, { address: inv.address.value.toLowerCase(), source: "inventory", location: inv.address.location });
  }

  // What each host says about itself: ip addr, and /etc/hosts lines that name it.
  for (const f of files) {
    if (f.document.kind === "ip-addr") for (const a of f.document.addresses) addEvidence(f.hostId, { address: a.address, source: "ip-addr", location: a.location });
  }
  for (const f of files) {
    if (f.document.kind !== "etc-hosts") continue;
    const host = hosts.get(f.hostId);
    if (!host) continue;
    const own = new Set([host.name.toLowerCase(), shortName(host.name), ...host.aliases]);
    for (const entry of f.document.entries) {
      if (!entry.names.some((n) => own.has(n) || own.has(shortName(n)))) continue;
      if (isLoopbackHost(entry.address)) continue; // Debian's `127.0.1.1 host` says nothing about the network
      addEvidence(f.hostId, { address: entry.address, source: "etc-hosts", location: entry.location });
      for (const n of entry.names) host.aliases.add(n);
    }
  }

  // --host NAME=ADDR: attach to the host of that name (or folder), else a host of its own.
  for (const named of namedHosts) {
    const wanted = named.name.toLowerCase();
    let host = [...hosts.values()].find((h) => h.name.toLowerCase() === wanted || h.aliases.has(wanted) || h.id === named.name || h.id.endsWith(`/${named.name}`));
    if (!host) {
      host = { id: `cli:${named.name}`, name: named.name, nameSource: "cli", aliases: new Set(), evidence: [] };
      hosts.set(host.id, host);
    }
    if (named.role !== undefined) host.role = named.role;
    for (const address of named.addresses) addEvidence(host.id, { address: address.toLowerCase(), source: "cli", location: null });
  }

  // Observed sockets, per host.
  const observed = new Map<string, { files: string[]; listeners: ObservedSocket[]; connections: ObservedConnection[] }>();
  for (const f of files) {
    if (f.document.kind !== "socket-table") continue;
    const entry = observed.get(f.hostId) ?? { files: [], listeners: [], connections: [] };
    observed.set(f.hostId, entry);
    entry.files.push(f.file);
    for (const l of f.document.table.listening) {
      if (l.local.port === null) continue;
      entry.listeners.push({ address: l.local.wildcard ? null : (l.local.mappedIpv4 ?? l.local.address), port: l.local.port, protocol: l.protocol, process: l.processes[0]?.name ?? null, acceptBacklog: l.acceptBacklog, location: l.location });
    }
    for (const c of f.document.table.connections) {
      if (c.state !== "ESTABLISHED" || c.local.port === null || c.peer.port === null) continue;
      entry.connections.push({ localAddress: c.local.mappedIpv4 ?? c.local.address, localPort: c.local.port, peerAddress: c.peer.mappedIpv4 ?? c.peer.address, peerPort: c.peer.port, process: c.processes[0]?.name ?? null, location: c.location });
    }
  }

  // Instances: launch configs, then observed memcached listeners joined to them by host and port.
  const instances: MemcachedInstance[] = [];
  for (const instance of launch.instances) {
    const obs = observed.get(instance.hostId);
    const port = instance.port.value;
    const seen = (obs?.listeners ?? []).filter((l) => l.protocol === "tcp" && isMemcachedSocket(l) && l.port === port).map(toListener);
    instances.push({ ...instance, observedListeners: seen });
  }
  for (const [hostId, obs] of [...observed].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const launched = new Set(instances.filter((i) => i.hostId === hostId).map((i) => i.port.value));
    const byPort = new Map<number, ObservedSocket[]>();
    for (const l of obs.listeners) {
      if (l.protocol !== "tcp" || !isMemcachedSocket(l) || launched.has(l.port)) continue;
      byPort.set(l.port, [...(byPort.get(l.port) ?? []), l]);
    }
    for (const [port, sockets] of byPort) {
      const first = sockets[0]!;
      const listeners = sockets.map(toListener);
      const udp = obs.listeners.find((l) => l.protocol === "udp" && isMemcachedSocket(l) && l.port === port);
      instances.push({
        id: `observed@${first.location.file}#${port}`,
        hostId,
        source: "observed",
        name: first.process ?? "memcached",
        origin: first.location,
        files: [...new Set(sockets.map((s) => s.location.file))],
        listeners,
        listenKnown: true,
        port: { value: port, origin: { kind: "file", location: first.location } },
        udpPort: udp ? { value: udp.port, origin: { kind: "file", location: udp.location } } : { value: null, origin: { kind: "default", product: "memcached" } },
        maxConnections: unknownSetting(),
        listenBacklog: unknownSetting(),
        memoryLimitMb: unknownSetting(),
        threads: unknownSetting(),
        maxItemSizeBytes: unknownSetting(),
        nofileLimit: null,
        observedListeners: listeners,
      });
    }
  }
  // What memcached binds is an address the host has.
  for (const instance of instances) {
    const sources = [...instance.listeners.map((l) => ({ l, source: instance.source === "observed" ? "listener" : "launch-config" }) as const), ...instance.observedListeners.map((l) => ({ l, source: "listener" }) as const)];
    for (const { l, source } of sources) {
      if (l.address && (l.scope === "private" || l.scope === "public") && l.location && !instance.container) {
        addEvidence(instance.hostId, { address: l.address.toLowerCase(), source, location: l.location });
      }
    }
  }

  const memcachedPorts = new Set<number>([DEFAULT_MEMCACHED_PORT, ...instances.map((i) => i.port.value).filter((p): p is number => p !== null && p > 0)]);
  const observedSockets: ObservedSockets[] = [...observed].sort(([a], [b]) => (a < b ? -1 : 1)).map(([hostId, o]) => ({
    hostId,
    files: o.files,
    listeners: o.listeners,
    memcachedConnections: o.connections.filter((c) => memcachedPorts.has(c.localPort) || memcachedPorts.has(c.peerPort)),
  }));

  const finalHosts: Host[] = [...hosts.values()]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((h) => ({ id: h.id, name: h.name, nameSource: h.nameSource, addresses: [...new Set(h.evidence.map((e) => e.address))].sort(), aliases: [...h.aliases].filter((a) => a !== h.name.toLowerCase()).sort(), addressEvidence: h.evidence, ...(h.role !== undefined ? { role: h.role } : {}) }));

  const hostKernels = buildKernels(files, new Set([...instances.map((i) => i.hostId)]));
  const kollaInventories: KollaInventory[] = files.flatMap((f) => {
    if (f.document.kind !== "ansible-inventory") return [];
    const group = f.document.inventory.groups.get("memcached");
    return [{ file: f.file, memcachedGroup: group ? { location: group.location, hosts: groupHosts(f.document.inventory, "memcached") } : null }];
  });

  const cacheRoutes = buildRoutes(clients, finalHosts, instances, files, new Set(observed.keys()));
  instances.sort((a, b) => (a.id < b.id ? -1 : 1));
  const connectionDemand = buildConnectionDemand(instances, observedSockets, finalHosts);
  return { hosts: finalHosts, memcachedInstances: instances, hostKernels, observedSockets, cacheRoutes, kollaInventories, connectionDemand, diagnostics };
}

/**
 * Observed demand per instance: its host's own capture (local port = the instance's port), or,
 * when that host has no capture, the clients' captures whose peer is one of its addresses.
 */
function buildConnectionDemand(instances: readonly MemcachedInstance[], observed: readonly ObservedSockets[], hosts: readonly Host[]): ConnectionDemand[] {
  const byAddress = new Map<string, string>();
  for (const h of hosts) for (const a of h.addresses) if (!byAddress.has(a)) byAddress.set(a, h.id);
  const out: ConnectionDemand[] = [];
  const seenPorts = new Set<string>();
  for (const instance of instances) {
    const port = instance.port.value;
    if (port === null || port <= 0) continue;
    // Two launch configs of one host and port are one listener: count it once.
    const portKey = `${instance.hostId}\0${port}`;
    if (seenPorts.has(portKey)) continue;
    seenPorts.add(portKey);
    const own = observed.find((o) => o.hostId === instance.hostId);
    const counted = new Map<string, { address: string | null; hostId: string | null; tuples: Set<string>; location: ObservedConnection["location"] }>();
    const count = (clientAddress: string | null, clientHostId: string | null, tuple: string, location: ObservedConnection["location"]) => {
      const key = clientAddress ?? "";
      const entry = counted.get(key) ?? { address: clientAddress, hostId: clientHostId, tuples: new Set<string>(), location };
      counted.set(key, entry);
      entry.tuples.add(tuple);
    };
    let seenFrom: ConnectionDemand["seenFrom"];
    if (own) {
      seenFrom = "server";
      for (const c of own.memcachedConnections) {
        if (c.localPort !== port || (c.process !== null && !/^memcache/u.test(c.process))) continue;
        const peer = c.peerAddress?.toLowerCase() ?? null;
        const peerHost = peer === null ? null : isLoopbackHost(peer) ? instance.hostId : (byAddress.get(peer) ?? null);
        count(peer, peerHost, `${c.localAddress}|${c.localPort}|${peer}|${c.peerPort}`, c.location);
      }
    } else {
      seenFrom = "clients";
      const host = hosts.find((h) => h.id === instance.hostId);
      const addresses = new Set([...(host?.addresses ?? []), ...effectiveAddresses(instance)]);
      for (const o of observed) {
        for (const c of o.memcachedConnections) {
          const peer = c.peerAddress?.toLowerCase() ?? null;
          if (c.peerPort !== port || peer === null || !addresses.has(peer)) continue;
          const local = c.localAddress?.toLowerCase() ?? null;
          count(local, o.hostId, `${peer}|${c.peerPort}|${local}|${c.localPort}`, c.location);
        }
      }
    }
    if (counted.size === 0) continue;
    const clients: ConnectionDemandClient[] = [...counted.values()]
      .map((e) => ({ address: e.address, hostId: e.hostId, connections: e.tuples.size, location: e.location }))
      .sort((a, b) => b.connections - a.connections || ((a.address ?? "") < (b.address ?? "") ? -1 : (a.address ?? "") > (b.address ?? "") ? 1 : 0));
    out.push({ instanceId: instance.id, hostId: instance.hostId, port, seenFrom, total: clients.reduce((n, c) => n + c.connections, 0), clients });
  }
  return out;
}

function effectiveAddresses(instance: MemcachedInstance): string[] {
  return [...instance.listeners, ...instance.observedListeners].flatMap((l) => (l.address && l.scope !== "loopback" ? [l.address.toLowerCase()] : []));
}

function unknownSetting<T>(): { value: T | null; origin: SettingOrigin } {
  return { value: null, origin: { kind: "default", product: "unknown (observed listener only)" } };
}

function shortName(name: string): string {
  return name.toLowerCase().split(".")[0] ?? name.toLowerCase();
}

function isMemcachedSocket(l: ObservedSocket): boolean {
  return l.process !== null ? /^memcache/u.test(l.process) : l.port === DEFAULT_MEMCACHED_PORT;
}

function toListener(l: ObservedSocket): MemcachedListener {
  return { address: l.address, port: l.port, scope: scopeOf(l.address), location: l.location, ...(l.acceptBacklog !== null ? { acceptBacklog: l.acceptBacklog } : {}) };
}

/**
 * somaxconn per host: a `sysctl -a` dump or /proc/sys is what the kernel ran with; else the
 * sysctl.conf/sysctl.d files in systemd-sysctl's order; else the kernel's default for its
 * version (4096 since Linux 5.4, 128 before: commit 19f92a030ca6).
 */
function buildKernels(files: readonly ParsedTopologyFile[], instanceHosts: ReadonlySet<string>): HostKernel[] {
  const hostIds = new Set(instanceHosts);
  for (const f of files) if (f.document.kind === "sysctl" || f.document.kind === "kernel-version" || f.document.kind === "cpu-info") hostIds.add(f.hostId);
  const kernels: HostKernel[] = [];
  for (const hostId of [...hostIds].sort()) {
    const onHost = files.filter((f) => f.hostId === hostId);
    const docs = onHost.flatMap((f) => (f.document.kind === "sysctl" ? [f.document.sysctl] : []));
    const release = onHost.map((f) => (f.document.kind === "kernel-version" ? f.document.release : null)).find((r) => r) ?? null;
    const cpus = onHost.map((f) => (f.document.kind === "cpu-info" ? f.document.cpus : null)).find((c) => c) ?? null;
    kernels.push({ hostId, kernelRelease: release, somaxconn: somaxconnOf(docs, release?.value ?? null), cpuCount: cpus });
  }
  return kernels;
}

function somaxconnOf(docs: readonly SysctlDocument[], release: string | null): HostKernel["somaxconn"] {
  for (const kind of ["sysctl-a", "proc-sys"] as const) {
    for (const doc of docs.filter((d) => d.kind === kind)) {
      const entry = sysctlEntry(doc, "net.core.somaxconn");
      const value = sysctlNumber(entry);
      if (entry && value !== null) return { value, origin: { kind: "file", location: entry.valueLocation } };
    }
  }
  const resolved = applySysctlOrder(docs).settings.get("net.core.somaxconn");
  if (resolved) {
    const value = sysctlNumber(resolved.winner);
    return { value, origin: { kind: "file", location: resolved.winner.valueLocation } };
  }
  const version = release ? kernelMajorMinor(release) : null;
  if (!version) return { value: null, origin: LINUX, assumed: "nothing sets net.core.somaxconn and the kernel version is unknown" };
  const modern = version[0] > 5 || (version[0] === 5 && version[1] >= 4);
  return { value: modern ? 4096 : 128, origin: LINUX, assumed: `the default of Linux ${release} (${modern ? "4096 since 5.4" : "128 before 5.4"})` };
}

// ---------------------------------------------------------------------------------------------
// Routes: client server entry → host → instance
// ---------------------------------------------------------------------------------------------

interface Socket {
  readonly address: string | null;
  readonly port: number;
  readonly scope: MemcachedListener["scope"];
  readonly instanceId: string;
}

/** Where clients can connect: the listeners, or for a bridged container its published ports. */
export function reachableSockets(instance: MemcachedInstance): { sockets: Socket[]; loopbackOnly: Socket[] } {
  const own = [...instance.listeners, ...instance.observedListeners].map((l) => ({ address: l.address, port: l.port, scope: l.scope, instanceId: instance.id }));
  const bridged = instance.container && instance.container.networkMode !== "host";
  if (!bridged) return { sockets: own.filter((s) => s.scope !== "loopback"), loopbackOnly: own.filter((s) => s.scope === "loopback") };
  const sockets: Socket[] = [];
  const loopbackOnly: Socket[] = [];
  for (const p of instance.container!.published) {
    if (p.protocol !== "tcp") continue;
    const inside = own.filter((s) => s.port === p.containerPort);
    const socket = { address: p.hostAddress, port: p.hostPort, scope: scopeOf(p.hostAddress), instanceId: instance.id };
    // Bound to the container's own loopback: the published port leads nowhere.
    if (inside.length > 0 && inside.every((s) => s.scope === "loopback")) loopbackOnly.push(socket);
    else if (inside.length > 0) (socket.scope === "loopback" ? loopbackOnly : sockets).push(socket);
  }
  return { sockets, loopbackOnly };
}

function sameAddress(socketAddress: string | null, address: string): boolean {
  if (socketAddress === null) return true;
  const a = socketAddress.toLowerCase().replace(/^\[|\]$/gu, "");
  const b = address.toLowerCase();
  if (a === b) return true;
  return isLoopbackHost(a) && isLoopbackHost(b) && (a === "localhost" || b === "localhost");
}

function buildRoutes(clients: readonly CacheClient[], hosts: readonly Host[], instances: readonly MemcachedInstance[], files: readonly ParsedTopologyFile[], observedHosts: ReadonlySet<string>): CacheRoute[] {
  const routes: CacheRoute[] = [];
  const byAddress = new Map<string, string>();
  for (const h of hosts) for (const a of h.addresses) if (!byAddress.has(a)) byAddress.set(a, h.id);
  const etcHosts = files.flatMap((f) => (f.document.kind === "etc-hosts" ? f.document.entries.map((e) => ({ hostId: f.hostId, entry: e })) : []));
  for (const client of clients) {
    if (client.mode !== "own-servers") continue;
    for (const server of client.servers) {
      if (server.host === null || server.family === "invalid" || server.family === "unix") continue;
      const port = server.port ?? DEFAULT_MEMCACHED_PORT;
      const name = server.host.toLowerCase();
      let hostId: string | null = null;
      let address: string | null = null;
      let resolvedBy: CacheRoute["resolvedBy"] = null;
      if (isLoopbackHost(name)) {
        hostId = client.hostId;
        address = name === "localhost" ? "127.0.0.1" : name;
        resolvedBy = "loopback";
      } else if (parseIp(name)) {
        address = name;
        hostId = byAddress.get(name) ?? null;
        resolvedBy = hostId ? "address" : null;
      } else {
        const host = hosts.find((h) => h.name.toLowerCase() === name || shortName(h.name) === name || h.aliases.includes(name));
        const mapped = [...etcHosts].sort((a, b) => (a.hostId === client.hostId ? -1 : b.hostId === client.hostId ? 1 : 0)).find((e) => e.entry.names.includes(name));
        if (mapped) {
          address = mapped.entry.address;
          hostId = isLoopbackHost(address) ? mapped.hostId : (byAddress.get(address) ?? host?.id ?? null);
          resolvedBy = "etc-hosts";
        } else if (host) {
          hostId = host.id;
          resolvedBy = "host-name";
        }
      }
      const onHost = hostId ? instances.filter((i) => i.hostId === hostId) : [];
      const hostKnown = hostId !== null && (onHost.length > 0 || observedHosts.has(hostId));
      const target = address ?? name;
      const matching: string[] = [];
      const loopbackMatches: string[] = [];
      let unknownListen = false;
      for (const instance of onHost) {
        const { sockets, loopbackOnly } = reachableSockets(instance);
        const local = resolvedBy === "loopback";
        const usable = local ? [...sockets, ...loopbackOnly] : sockets;
        if (usable.some((s) => s.port === port && (s.scope === "unknown" || s.scope === "hostname"))) unknownListen = true;
        if (!instance.listenKnown) unknownListen = true;
        if (usable.some((s) => s.port === port && (sameAddress(s.address, target) || (resolvedBy === "host-name" && s.scope !== "loopback")))) matching.push(instance.id);
        else if (!local && loopbackOnly.some((s) => s.port === port)) loopbackMatches.push(instance.id);
      }
      const status: CacheRoute["status"] = matching.length > 0 ? "listening" : loopbackMatches.length > 0 ? "loopback-only" : !hostKnown || unknownListen ? "unknown" : "not-listening";
      routes.push({
        clientId: client.id,
        clientHostId: client.hostId,
        server,
        hostId,
        address,
        resolvedBy,
        port,
        hostKnown,
        status,
        instanceIds: status === "listening" ? matching : status === "loopback-only" ? loopbackMatches : onHost.map((i) => i.id),
      });
    }
  }
  return routes;
}
