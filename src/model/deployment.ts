import type { RuntimeEvidence } from "./runtime/evidence.js";
import { emptyRuntime } from "./runtime/evidence.js";
import type { FirewallRuleset, PacketFamily } from "./firewall/ruleset.js";
import type { EvaluationResult, FirewallVerdict } from "./firewall/packet.js";
import type { Located, SourceLocation } from "./source.js";

/**
 * The deployment model: the one place rules look. Parsers fill it through the model builders;
 * rules never see a file format. Every value remembers where it came from.
 */
export interface Deployment {
  readonly hosts: Host[];
  readonly cacheClients: CacheClient[];
  readonly swiftPipelines: SwiftPipeline[];
  /** Settings the operator wrote that the product ignores (SL105). */
  readonly shadowedSettings: ShadowedSetting[];
  readonly memcachedInstances: MemcachedInstance[];
  /** What logs and counter dumps showed (aggregates and evidence lines; src/model/runtime/). */
  readonly runtime: RuntimeEvidence;
  /** Kernel facts per host that has any (somaxconn, kernel version, CPUs). */
  readonly hostKernels: HostKernel[];
  /** ss/netstat captures per host: listeners and memcached connections. */
  readonly observedSockets: ObservedSockets[];
  /** For every server entry of every client: which host and memcached instance it reaches. */
  readonly cacheRoutes: CacheRoute[];
  /** Kolla-Ansible inventories (the `memcached` group and the hosts it names). */
  readonly kollaInventories: KollaInventory[];
  /** ESTABLISHED connections to each memcached instance, per client address (observed demand). */
  readonly connectionDemand: ConnectionDemand[];
  /** Per host with firewall dumps or interface addresses: its rulesets and interfaces. */
  readonly firewalls: HostFirewall[];
  /** For every (client address, server address:port) of the cache routes: what the firewalls do. */
  readonly firewallPaths: FirewallPath[];
}

export interface Host {
  /** Stable identifier: the path prefix the host's files live under ("" for a flat input). */
  readonly id: string;
  readonly name: string;
  /** How the name was learned: a hostname file in the inputs, the folder name, or nothing. */
  readonly nameSource: "hostname-file" | "folder" | "single-input" | "cli" | "inventory" | "compose";
  /** Every address known for the host (deduplicated, sorted); evidence in `addressEvidence`. */
  readonly addresses: string[];
  /** Other names the host answers to (etc/hosts names of its addresses, FQDN, inventory name). */
  readonly aliases: string[];
  /** Where each address was learned. */
  readonly addressEvidence: HostAddress[];
  /** The role the user gave the host (config file `hosts.<name>.role`), when given. */
  readonly role?: string;
}

export interface HostAddress {
  readonly address: string;
  readonly source: "ip-addr" | "etc-hosts" | "cli" | "listener" | "launch-config" | "inventory";
  /** The line that shows it; null for --host. */
  readonly location: SourceLocation | null;
}

export type CacheClientKind =
  | "swift-proxy"
  | "swift-object-expirer"
  | "swift-container-reconciler"
  | "swift-internal-client"
  | "keystonemiddleware"
  | "oslo-cache";

/** Where an effective value came from: a line the operator wrote, or the product's default. */
export type SettingOrigin =
  | { readonly kind: "file"; readonly location: SourceLocation }
  | { readonly kind: "default"; readonly product: string };

export interface EffectiveSetting {
  readonly name: string;
  /** Redacted for secret-bearing options: the model never holds a secret value. */
  readonly value: string;
  readonly origin: SettingOrigin;
}

/** One entry of a client's server list, as the client library would parse it. */
export interface ServerEntry {
  /** The entry as written (trimmed). */
  readonly raw: string;
  readonly host: string | null;
  readonly port: number | null;
  readonly family: "ipv4" | "ipv6" | "hostname" | "unix" | "invalid";
  /** Why the client cannot use this entry, when it cannot (SL107). */
  readonly problem?: string;
  /** The entry's own span, or null when the list is the product's default. */
  readonly location: SourceLocation | null;
}

export interface CacheClient {
  /** Stable id: `<kind>@<file>#<section>`. */
  readonly id: string;
  readonly kind: CacheClientKind;
  /** The OpenStack service this client belongs to (swift, nova, keystone, …), from the path. */
  readonly service: string;
  readonly hostId: string;
  /** The config file that defines the client; the first of its layers for Swift. */
  readonly file: string;
  /** The section that configures the client (`[filter:cache]`, `[keystone_authtoken]`, …). */
  readonly section: Located<string>;
  /** Effective server list after the product's own precedence rules. */
  readonly servers: ServerEntry[];
  /** Where the effective list came from (the line, or the product default). */
  readonly serversOrigin: SettingOrigin;
  /**
   * How the client caches: its own server list, Swift's ring (authtoken with
   * `cache = swift.cache` after the cache filter), an in-process cache, or not at all.
   */
  readonly mode: "own-servers" | "swift-ring" | "in-process" | "disabled";
  /** For `swift-ring` mode: the id of the Swift client whose ring is used. */
  readonly sharesRingOf?: string;
  /** Swift's md5 ring does not depend on order; python-memcached/pymemcache hashing does. */
  readonly orderSensitive: boolean;
  readonly tlsEnabled: boolean;
  /** Effective values of the options the product reads, with their origin. */
  readonly settings: Record<string, EffectiveSetting>;
  /** Every option written in the client's sections, as written (for SL110). */
  readonly writtenOptions: WrittenOption[];
  /**
   * How many processes of the service run this client, each with its own pool (SL202): the
   * service's own workers option, or its deployment tool's default. Absent when unknown; Swift
   * clients carry `settings.workers` instead.
   */
  readonly processes?: ProcessCount;
}

export interface ProcessCount {
  /** The option or variable that decides it (`osapi_compute_workers`, `openstack_service_workers`). */
  readonly option: string;
  /** The count, or null when it is min(CPU count, `cpuCap`) and so depends on the host. */
  readonly value: number | null;
  /** With `value` null: the cap of min(CPUs, cap) (Kolla's `openstack_service_workers`: 5). */
  readonly cpuCap?: number;
  readonly origin: SettingOrigin;
}

export interface WrittenOption {
  readonly section: string;
  readonly name: string;
  readonly location: SourceLocation;
}

export interface SwiftPipeline {
  readonly hostId: string;
  readonly file: string;
  /** The `pipeline = …` value. */
  readonly pipeline: Located<string>;
  readonly stages: PipelineStage[];
  /** Id of the proxy's cache client, when the pipeline has a cache filter. */
  readonly cacheClientId?: string;
  /** `log_msg_template` of the pipeline's proxy-logging filter, when set: how access lines are written. */
  readonly accessLogTemplate?: Located<string>;
}

export interface PipelineStage {
  readonly name: string;
  /** The stage's span inside the pipeline value. */
  readonly location: SourceLocation;
  /** The section that defines it (`[filter:name]` / `[app:name]`), when present. */
  readonly section?: Located<string>;
  /** `use = egg:swift#memcache` or the factory path, when given. */
  readonly entryPoint?: string;
  /** What the stage is, derived from its entry point. */
  readonly role: PipelineRole;
  /** For authtoken: the `cache` option (`swift.cache`) when set. */
  readonly cacheEnvKey?: Located<string>;
}

export type PipelineRole =
  | "cache"
  | "authtoken"
  | "tempauth"
  | "ratelimit"
  | "s3token"
  | "s3api"
  | "tempurl"
  | "formpost"
  | "staticweb"
  | "container_sync"
  | "proxy-app"
  | "other";

export type ShadowReason =
  /** proxy-server.conf sets memcache_servers and memcache_max_connections: memcache.conf is never read. */
  | "memcache-conf-unread"
  /** paste.deploy keeps the [DEFAULT] value for a key a section repeats without `set`. */
  | "paste-default-wins"
  /** A later file of the same proxy-server.conf.d directory sets the same key. */
  | "conf-d-override"
  /** The same proxy-side key beats memcache.conf when both are read. */
  | "proxy-side-wins";

export interface ShadowedSetting {
  readonly clientId: string;
  readonly key: string;
  readonly reason: ShadowReason;
  /** The line the operator wrote and the product ignores. */
  readonly ignored: SourceLocation;
  readonly ignoredValue: string;
  /** The line that wins instead, or null (memcache.conf unread: the product default wins). */
  readonly winner: SourceLocation | null;
  readonly winnerValue: string;
}

/** How a memcached instance is started, or that it was only seen listening. */
export type MemcachedSourceKind = "systemd" | "memcached.conf" | "sysconfig" | "compose" | "kolla" | "tripleo" | "observed";

/**
 * An effective launch setting: its value (null when unknown: a template, an unexpanded
 * variable) and where it came from — a line, or a product's default (`memcached`, `Kolla-Ansible`).
 */
export interface InstanceSetting<T> {
  readonly value: T | null;
  readonly origin: SettingOrigin;
}

/** One socket memcached listens on. */
export interface MemcachedListener {
  /** The address as written or observed; null = every interface (memcached's default, `*`, `0.0.0.0`, `::`). */
  readonly address: string | null;
  readonly port: number;
  readonly scope: "loopback" | "wildcard" | "private" | "public" | "hostname" | "unknown";
  /** The `-l` entry, the ss line; null for memcached's default. */
  readonly location: SourceLocation | null;
  /** ss: the accept backlog in force (Send-Q of the LISTEN socket). */
  readonly acceptBacklog?: number;
}

/** A port published by a container runtime (compose `ports`). */
export interface PublishedPort {
  readonly hostAddress: string | null;
  readonly hostPort: number;
  readonly containerPort: number;
  readonly protocol: "tcp" | "udp";
  readonly location: SourceLocation;
}

/** A memcached process, from its launch configuration or an observed listener. */
export interface MemcachedInstance {
  /** Stable: `<source>@<file>#<name>`. */
  readonly id: string;
  readonly hostId: string;
  readonly source: MemcachedSourceKind;
  /** The unit, compose service or container name. */
  readonly name: string;
  /** Where the instance is defined: the ExecStart line, the first option line, the compose service key, the ss line. */
  readonly origin: SourceLocation;
  /** The files that contributed (unit, drop-ins, EnvironmentFile, …). */
  readonly files: string[];
  /** Effective TCP listeners (each with its port). Empty when TCP is off (`-p 0`, `-s`). */
  readonly listeners: MemcachedListener[];
  /** Whether the listen list is known (false when `-l` is a template or an unexpanded variable). */
  readonly listenKnown: boolean;
  readonly port: InstanceSetting<number>;
  readonly udpPort: InstanceSetting<number>;
  readonly maxConnections: InstanceSetting<number>;
  readonly listenBacklog: InstanceSetting<number>;
  readonly memoryLimitMb: InstanceSetting<number>;
  readonly threads: InstanceSetting<number>;
  readonly maxItemSizeBytes: InstanceSetting<number>;
  /** The process's open-file limit (LimitNOFILE soft value, compose ulimits.nofile); null when not set. */
  readonly nofileLimit: InstanceSetting<number | "infinity"> | null;
  /** Containers: the network mode (`host`, `bridge`, …) and the published ports. */
  readonly container?: { readonly networkMode: string | null; readonly published: PublishedPort[] };
  /** Sockets seen for this instance in ss/netstat (launch-config instances on the same host and port). */
  readonly observedListeners: MemcachedListener[];
}

/** somaxconn and what it rests on. */
export interface HostKernel {
  readonly hostId: string;
  /** `uname -r`-like release, e.g. `4.18.0-80.el8.x86_64`. */
  readonly kernelRelease: { readonly value: string; readonly location: SourceLocation } | null;
  /**
   * net.core.somaxconn in force: from `sysctl -a`, /proc/sys, sysctl.conf/sysctl.d, or the
   * kernel's default for its version (`assumed` says which); value null when nothing decides it.
   */
  readonly somaxconn: { readonly value: number | null; readonly origin: SettingOrigin; readonly assumed?: string };
  /** Online CPUs (for Swift's `workers = auto`). */
  readonly cpuCount: { readonly value: number; readonly location: SourceLocation } | null;
}

export interface ObservedSocket {
  readonly address: string | null;
  readonly port: number;
  readonly protocol: "tcp" | "udp";
  readonly process: string | null;
  readonly acceptBacklog: number | null;
  readonly location: SourceLocation;
}

export interface ObservedConnection {
  readonly localAddress: string | null;
  readonly localPort: number;
  readonly peerAddress: string | null;
  readonly peerPort: number;
  readonly process: string | null;
  readonly location: SourceLocation;
}

export interface ObservedSockets {
  readonly hostId: string;
  readonly files: string[];
  /** Every TCP/UDP listener of the capture. */
  readonly listeners: ObservedSocket[];
  /** ESTABLISHED TCP connections whose local or peer port is a memcached port. */
  readonly memcachedConnections: ObservedConnection[];
}

/**
 * Where one server entry of one client leads: the host it names (by address, loopback, or a
 * hostname through etc/hosts and host names) and the memcached instances listening there.
 */
export interface CacheRoute {
  readonly clientId: string;
  readonly clientHostId: string;
  readonly server: ServerEntry;
  /** The host the entry names; null when no host of the inputs has that address or name. */
  readonly hostId: string | null;
  /** The address the client connects to (after name resolution), when known. */
  readonly address: string | null;
  readonly resolvedBy: "loopback" | "address" | "host-name" | "etc-hosts" | null;
  readonly port: number;
  /** Whether the model knows what listens on that host (a launch config or an ss/netstat capture). */
  readonly hostKnown: boolean;
  /**
   * `listening`: an instance listens on that address and port; `loopback-only`: an instance on
   * that port listens only on loopback and the entry is not a loopback address of the same host;
   * `not-listening`: none does; `unknown`: the host or its listeners are unknown.
   */
  readonly status: "listening" | "loopback-only" | "not-listening" | "unknown";
  /** Instances listening on that address and port (status listening), or on that host. */
  readonly instanceIds: string[];
}

/**
 * Connections a capture showed ESTABLISHED to one instance, per client address. Counted on the
 * server's own capture when its host has one (`seenFrom: "server"`), else summed over the
 * clients' captures whose peer is that host and port. The same 4-tuple in two captures (ss and
 * netstat of one host) counts once.
 */
export interface ConnectionDemand {
  readonly instanceId: string;
  readonly hostId: string;
  readonly port: number;
  readonly seenFrom: "server" | "clients";
  readonly total: number;
  /** Most connections first, then by address. */
  readonly clients: readonly ConnectionDemandClient[];
}

export interface ConnectionDemandClient {
  readonly address: string | null;
  /** The host that address belongs to, when the inputs know it. */
  readonly hostId: string | null;
  readonly connections: number;
  /** The first capture line of these connections. */
  readonly location: SourceLocation;
}

export interface KollaInventory {
  readonly file: string;
  /** The `memcached` group, as written, and its resolved hosts. */
  readonly memcachedGroup: { readonly location: SourceLocation; readonly hosts: string[] } | null;
}

export function emptyDeployment(): Deployment {
  return { hosts: [], cacheClients: [], swiftPipelines: [], shadowedSettings: [], memcachedInstances: [], hostKernels: [], observedSockets: [], cacheRoutes: [], kollaInventories: [], connectionDemand: [], firewalls: [], firewallPaths: [], runtime: emptyRuntime() };
}

/** An address of one interface, with its prefix when `ip addr` gives it. */
export interface InterfaceAddress {
  readonly interface: string;
  readonly address: string;
  readonly prefixLength: number | null;
  readonly location: SourceLocation;
}

/** One ruleset the kernel (or firewalld, or Neutron) applies to the host. */
export interface HostRuleset {
  /** The file it was read from (the first of them for merged firewalld zone files). */
  readonly file: string;
  readonly format: string;
  /** The packet families it decides. */
  readonly families: readonly PacketFamily[];
  /** Rules (netfilter rules, firewalld zones' rules and rich rules, security-group rules). */
  readonly ruleCount: number;
  /**
   * The evaluable ruleset (src/model/firewall). Not enumerable: JSON output keeps the summary
   * above, the parsed rules stay in memory for the evaluator.
   */
  readonly ruleset: FirewallRuleset;
  /** Files of the same rules that were not evaluated separately (a listing beside iptables-save). */
  readonly alsoSeenIn: string[];
}

export interface HostFirewall {
  readonly hostId: string;
  /** Rulesets in force, each evaluated; a packet passes when every one accepts it. */
  readonly rulesets: HostRuleset[];
  /** Interface addresses (ip addr): which interface carries a peer's subnet. */
  readonly interfaces: InterfaceAddress[];
}

/** One ruleset's verdict on one packet: the evaluator's result and the ruleset it came from. */
export interface RulesetVerdict extends EvaluationResult {
  readonly file: string;
  readonly format: string;
}

/** A host's firewall verdict on the packet of one direction (server input, client output). */
export interface HostPathVerdict {
  readonly hostId: string;
  readonly hook: "input" | "output";
  /**
   * `accept` when every ruleset accepts; `drop`/`reject` when one does (the first such is
   * `decidedBy`); `unknown` when none drops and one cannot be decided; `none` when the host has
   * no ruleset for the packet's family in the inputs.
   */
  readonly verdict: FirewallVerdict | "none";
  /** Index into `rulesets` of the ruleset that decided a drop, reject or unknown. */
  readonly decidedBy: number | null;
  readonly rulesets: RulesetVerdict[];
  /** The interface used (from the host's interface addresses), when known. */
  readonly interface: string | null;
}

export interface FirewallPath {
  readonly clientId: string;
  readonly clientHostId: string;
  /** The source address; null: unknown, evaluated as "any source outside the server host". */
  readonly clientAddress: string | null;
  /** The host the server entry names; null when no host of the inputs has that address. */
  readonly serverHostId: string | null;
  readonly serverAddress: string;
  readonly port: number;
  /** The server entry of the client's list. */
  readonly server: ServerEntry;
  /** The server host's input path; null when the server host is not in the inputs or the port is a published container port. */
  readonly input: HostPathVerdict | null;
  /** Why the server host's rules were not walked although it has some. */
  readonly inputNotEvaluated?: string;
  /** The client host's output path. */
  readonly output: HostPathVerdict;
}
