import path from "node:path";
import type { FileKind } from "../discover/classify.js";
import type { IniDocument } from "../parsers/ini.js";
import { entriesOf } from "../parsers/ini.js";
import type { ParsedTopologyFile } from "../parsers/topology-document.js";
import type { CacheClient, CacheClientKind, Deployment, EffectiveSetting, Host } from "./deployment.js";
import type { Diagnostic } from "./diagnostic.js";
import { buildTopology, type NamedHost } from "./topology.js";
import type { ParsedFirewallFile } from "../parsers/firewall/document.js";
import { buildFirewallPaths, buildHostFirewalls } from "./host-firewall.js";
import { buildServiceClients } from "./openstack-service.js";
import { buildKollaServiceClients } from "./kolla-services.js";
import { emptyRuntime } from "./runtime/evidence.js";
import { buildSwiftModel, type SwiftDaemonConfig } from "./swift.js";

/** A parsed config file, as the model builder receives it. */
export interface ParsedConfigFile {
  readonly file: string;
  readonly hostId: string;
  readonly kind: FileKind;
  readonly ini: IniDocument;
}

const SWIFT_KINDS: Partial<Record<FileKind, CacheClientKind>> = {
  "swift-proxy-server": "swift-proxy",
  "swift-object-expirer": "swift-object-expirer",
  "swift-container-reconciler": "swift-container-reconciler",
  "swift-internal-client": "swift-internal-client",
};

export interface TopologyInputs {
  readonly files: readonly ParsedTopologyFile[];
  /** Hosts the user named (`--host NAME=ADDR,…`). */
  readonly namedHosts?: readonly NamedHost[];
  /** Firewall dumps (iptables, nftables, firewalld, security groups). */
  readonly firewallFiles?: readonly ParsedFirewallFile[];
}

export function buildDeployment(hosts: readonly Host[], files: readonly ParsedConfigFile[], topologyInputs: TopologyInputs = { files: [] }): Deployment & { readonly topologyDiagnostics: Diagnostic[] } {
  const sorted = [...files].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const swift = buildSwiftModel(groupSwiftDaemons(sorted));
  const serviceClients = sorted.filter((f) => f.kind === "openstack-ini").flatMap((f) => buildServiceClients(f.ini, f.hostId, serviceName(f.file)));
  const kolla = buildKollaServiceClients(
    topologyInputs.files,
    sorted.filter((f) => f.kind === "kolla-config-override"),
    sorted.filter((f) => f.kind !== "kolla-config-override"),
  );
  const cacheClients = [...swift.clients.map((c) => withProxyWorkers(c, sorted)), ...serviceClients, ...kolla.clients].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const topology = buildTopology(hosts, cacheClients, topologyInputs.files, topologyInputs.namedHosts ?? []);
  const firewalls = buildHostFirewalls(topology.hosts, topologyInputs.firewallFiles ?? [], topologyInputs.files);
  const deployment = {
    hosts: topology.hosts,
    cacheClients,
    swiftPipelines: swift.pipelines,
    shadowedSettings: swift.shadowed,
    memcachedInstances: topology.memcachedInstances,
    hostKernels: topology.hostKernels,
    observedSockets: topology.observedSockets,
    cacheRoutes: topology.cacheRoutes,
    kollaInventories: topology.kollaInventories,
    connectionDemand: topology.connectionDemand,
    firewalls,
    firewallPaths: buildFirewallPaths(topology.hosts, firewalls, topology.cacheRoutes, topology.memcachedInstances),
    runtime: emptyRuntime(),
  };
  // Not enumerable: the model in outputs stays the Deployment shape.
  Object.defineProperty(deployment, "topologyDiagnostics", { value: [...kolla.diagnostics, ...topology.diagnostics], enumerable: false });
  return deployment as Deployment & { readonly topologyDiagnostics: Diagnostic[] };
}

/**
 * The proxy's `workers` (its [DEFAULT]; Swift's run_wsgi uses `config_auto_int_value(workers,
 * CPU_COUNT)`, so unset means `auto`): SL202 multiplies it by memcache_max_connections.
 */
function withProxyWorkers(client: CacheClient, files: readonly ParsedConfigFile[]): CacheClient {
  if (client.kind !== "swift-proxy") return client;
  const own = files.filter((f) => f.hostId === client.hostId && f.kind === "swift-proxy-server").filter((f) => f.file === client.file || (path.posix.dirname(client.file).endsWith(".conf.d") && path.posix.dirname(f.file) === path.posix.dirname(client.file)));
  let setting: EffectiveSetting = { name: "workers", value: "auto", origin: { kind: "default", product: "Swift" } };
  for (const layer of own) {
    const entries = entriesOf(layer.ini, "DEFAULT", "workers");
    const last = entries[entries.length - 1];
    if (last) setting = { name: "workers", value: last.value.trim(), origin: { kind: "file", location: last.valueLocation } };
  }
  return { ...client, settings: { ...client.settings, workers: setting } };
}

/**
 * A Swift daemon's configuration is either `<daemon>.conf` or a `<daemon>.conf.d/` directory
 * whose `*.conf` files Swift's `read_conf_dir` reads in sorted order into one parser. They are
 * never layered: swift-init's `search_tree` returns the file and the directory as two separate
 * configurations (swift/common/utils.py, swift/common/manager.py `_find_conf_files`).
 */
function groupSwiftDaemons(files: readonly ParsedConfigFile[]): SwiftDaemonConfig[] {
  const groups = new Map<string, { kind: CacheClientKind; hostId: string; directory: string; layers: ParsedConfigFile[] }>();
  for (const f of files) {
    const kind = SWIFT_KINDS[f.kind];
    if (!kind) continue;
    const dir = path.posix.dirname(f.file);
    const isDropIn = dir.endsWith(".conf.d");
    const directory = isDropIn ? path.posix.dirname(dir) : dir;
    const key = `${f.hostId}\0${kind}\0${isDropIn ? dir : f.file}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { kind, hostId: f.hostId, directory, layers: [] }));
    group.layers.push(f);
  }
  const memcacheConfs = files.filter((f) => f.kind === "swift-memcache-conf");
  return [...groups.values()].map((g) => {
    const layers = g.layers.sort((a, b) => (path.posix.basename(a.file) < path.posix.basename(b.file) ? -1 : 1)).map((l) => l.ini);
    const memcacheConf = findMemcacheConf(memcacheConfs, g.hostId, g.directory, layers);
    return { kind: g.kind, hostId: g.hostId, directory: g.directory, layers, ...(memcacheConf ? { memcacheConf } : {}) };
  });
}

/** memcache.conf is read from `swift_dir` (default /etc/swift) on the same host. */
function findMemcacheConf(candidates: readonly ParsedConfigFile[], hostId: string, directory: string, layers: readonly IniDocument[]): IniDocument | undefined {
  const onHost = candidates.filter((c) => c.hostId === hostId);
  let swiftDir = "/etc/swift";
  for (const layer of layers) {
    const entries = entriesOf(layer, "DEFAULT", "swift_dir");
    const last = entries[entries.length - 1];
    if (last) swiftDir = last.value.trim();
  }
  const wanted = swiftDir.replace(/^\/+|\/+$/gu, "");
  const sameDirectory = onHost.find((c) => path.posix.dirname(c.file) === directory);
  const bySwiftDir = onHost.find((c) => `/${path.posix.dirname(c.file)}`.endsWith(`/${wanted}`));
  if (swiftDir !== "/etc/swift") return bySwiftDir?.ini;
  return (sameDirectory ?? bySwiftDir)?.ini;
}

/** `etc/nova/nova.conf` → nova; `etc/kolla/nova-api/nova.conf` → nova-api; else the file's stem. */
export function serviceName(file: string): string {
  const parent = path.posix.basename(path.posix.dirname(file));
  if (parent && parent !== "." && parent !== "etc" && parent !== "config") return parent;
  return path.posix.basename(file).replace(/\.(conf|ini|cfg)$/u, "");
}
