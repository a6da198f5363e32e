/**
 * classify: which format is this file? Path first, content second. Unknown files are skipped
 * and counted, never errors.
 */
export type FileKind =
  | "swift-proxy-server"
  | "swift-memcache-conf"
  | "swift-object-expirer"
  | "swift-container-reconciler"
  | "swift-internal-client"
  | "openstack-ini"
  /** `/etc/kolla/config/**` (node_custom_config): merged by Kolla into the configs it renders. */
  | "kolla-config-override"
  | TopologyKind
  | FirewallKind;

/**
 * Firewall dumps (issue 4). The netfilter kinds name the format the path suggests; the parser
 * step confirms it from the content (src/parsers/firewall detectFirewallFormat).
 */
export type FirewallKind =
  | "iptables-save"
  | "iptables-list"
  | "nft"
  | "nft-json"
  | "firewalld-zone-xml"
  | "firewalld-service-xml"
  | "firewalld-conf"
  | "firewalld-list-all-zones"
  | "openstack-security-group-rules";

/**
 * Where firewall dumps live: the distributions' saved rulesets (iptables-services
 * /etc/sysconfig/iptables, iptables-persistent /etc/iptables/rules.v4|v6, nftables.service
 * /etc/nftables.conf and /etc/sysconfig/nftables.conf), firewalld's configuration
 * (/etc/firewalld and /usr/lib/firewalld), and sosreport's command files
 * (sos_commands/firewall_tables/iptables-save, iptables_-t_filter_-nvL, nft_list_ruleset;
 * sos_commands/firewalld/firewall-cmd_--list-all-zones). Security-group rules need a name that
 * says so (`*security*group*.json`) and their content is checked.
 */
const FIREWALL_PATHS: readonly { readonly pattern: RegExp; readonly kind: FirewallKind }[] = [
  { pattern: /(^|\/)etc\/sysconfig\/ip6?tables$/u, kind: "iptables-save" },
  { pattern: /(^|\/)etc\/iptables\/rules\.v[46]$/u, kind: "iptables-save" },
  { pattern: /(^|\/)ip6?tables-save([._-][^/]*)?$/u, kind: "iptables-save" },
  { pattern: /(^|\/)ip6?tables_[^/]*-[a-z]*L[a-z]*$/u, kind: "iptables-list" },
  { pattern: /(^|\/)nft_(-j|--json)_list_ruleset[^/]*$/u, kind: "nft-json" },
  // sos ≥ 4.1's firewall_tables plugin runs `nft -a list ruleset` (handles as comments): nft_-a_list_ruleset.
  { pattern: /(^|\/)nft[_-](?:-a_)?list[_-]ruleset[^/]*$/u, kind: "nft" },
  { pattern: /(^|\/)etc\/(sysconfig\/)?nftables\.conf$/u, kind: "nft" },
  { pattern: /(^|\/)(etc|usr\/lib)\/firewalld\/zones\/[^/]+\.xml$/u, kind: "firewalld-zone-xml" },
  { pattern: /(^|\/)(etc|usr\/lib)\/firewalld\/services\/[^/]+\.xml$/u, kind: "firewalld-service-xml" },
  { pattern: /(^|\/)etc\/firewalld\/firewalld\.conf$/u, kind: "firewalld-conf" },
  { pattern: /(^|\/)firewall-cmd_--list-all(-zones)?$/u, kind: "firewalld-list-all-zones" },
  { pattern: /(^|\/)[^/]*security[-_]?groups?[^/]*\.json$/iu, kind: "openstack-security-group-rules" },
];

const FIREWALL_KINDS: ReadonlySet<string> = new Set(FIREWALL_PATHS.map((p) => p.kind));

export function isFirewallKind(kind: FileKind): kind is FirewallKind {
  return FIREWALL_KINDS.has(kind);
}

/** Formats that say where memcached runs and what the hosts are (issue 3). */
export type TopologyKind =
  | "systemd-unit"
  | "memcached-env"
  | "memcached-conf"
  | "sysctl-conf"
  | "sysctl-dump"
  | "proc-somaxconn"
  | "kernel-version"
  | "cpu-info"
  | "socket-table"
  | "ip-addr"
  | "etc-hosts"
  | "compose"
  | "kolla-globals"
  | "kolla-passwords"
  | "ansible-inventory"
  | "kolla-config-json"
  | "tripleo-container-config"
  | "systemd-enablement";

/**
 * Path patterns for the topology formats, tested against the path inside the input (the host
 * folder prefix is allowed before each, so `ctl1/etc/memcached.conf` matches). First match wins.
 * Sources: systemd.unit(5) search path, sysctl.d(5), sosreport's command-file names
 * (sos/report/plugins/__init__.py `_mangle_command`), Kolla-Ansible's layout.
 */
const TOPOLOGY_PATHS: readonly { readonly pattern: RegExp; readonly kind: TopologyKind }[] = [
  // `systemctl enable memcached@11211`: the link (or a copy of it) under <target>.wants/ names an instance.
  { pattern: /(^|\/)(etc|run|usr\/lib|lib)\/systemd\/system\/[^/]+\.(wants|requires)\/memcached[^/]*\.service$/u, kind: "systemd-enablement" },
  { pattern: /(^|\/)(etc|run|usr\/lib|usr\/local\/lib|lib)\/systemd\/system\/memcached[^/]*\.service$/u, kind: "systemd-unit" },
  { pattern: /(^|\/)(etc|run|usr\/lib|usr\/local\/lib|lib)\/systemd\/system\/memcached[^/]*\.service\.d\/[^/]+\.conf$/u, kind: "systemd-unit" },
  { pattern: /(^|\/)etc\/(sysconfig|default)\/memcached(\.[^/]+)?$/u, kind: "memcached-env" },
  { pattern: /(^|\/)etc\/memcached(_[^/]+)?\.conf$/u, kind: "memcached-conf" },
  { pattern: /(^|\/)etc\/sysctl\.conf$/u, kind: "sysctl-conf" },
  { pattern: /(^|\/)(etc|run|usr\/lib|usr\/local\/lib|lib)\/sysctl\.d\/[^/]+\.conf$/u, kind: "sysctl-conf" },
  { pattern: /(^|\/)sos_commands\/kernel\/sysctl_-a$/u, kind: "sysctl-dump" },
  { pattern: /(^|\/)proc\/sys\/net\/core\/somaxconn$/u, kind: "proc-somaxconn" },
  { pattern: /(^|\/)(proc\/version|uname|sos_commands\/kernel\/uname_-a|sos_commands\/host\/uname_-a)$/u, kind: "kernel-version" },
  { pattern: /(^|\/)(proc\/cpuinfo|sos_commands\/processor\/lscpu|sos_commands\/processor\/nproc)$/u, kind: "cpu-info" },
  // `netstat -g` (sos: netstat_-W_-agn) lists multicast group memberships, not sockets.
  { pattern: /(^|\/)(ss_-[^/]*|netstat_(?![^/]*-[A-Za-z]*g)-[^/]*)$/u, kind: "socket-table" },
  { pattern: /(^|\/)sos_commands\/networking\/ip_(-o_addr|addr|address|-d_address)$/u, kind: "ip-addr" },
  { pattern: /(^|\/)etc\/hosts$/u, kind: "etc-hosts" },
  { pattern: /(^|\/)(docker-)?compose(\.[\w.-]+)?\.ya?ml$/u, kind: "compose" },
  { pattern: /(^|\/)globals\.ya?ml$/u, kind: "kolla-globals" },
  { pattern: /(^|\/)passwords\.ya?ml$/u, kind: "kolla-passwords" },
  { pattern: /(^|\/)(multinode|all-in-one|inventory(\.(ini|ya?ml))?|inventory\/[^/]+)$/u, kind: "ansible-inventory" },
  { pattern: /(^|\/)kolla\/memcached\/config\.json$/u, kind: "kolla-config-json" },
  { pattern: /(^|\/)var\/lib\/kolla\/config_files\/memcached\.json$/u, kind: "kolla-config-json" },
  // TripleO: per-container files (tripleo_container_manage) and per-step files (paunch).
  { pattern: /(^|\/)var\/lib\/tripleo-config\/container-startup-config\/step_\d+\/memcached\.json$/u, kind: "tripleo-container-config" },
  { pattern: /(^|\/)var\/lib\/tripleo-config\/(hashed-)?(docker-)?container-startup-config-step_\d+\.json$/u, kind: "tripleo-container-config" },
];

export function isTopologyKind(kind: FileKind): kind is TopologyKind {
  return TOPOLOGY_KINDS.has(kind);
}

const TOPOLOGY_KINDS: ReadonlySet<string> = new Set(TOPOLOGY_PATHS.map((p) => p.kind));

/** Runtime evidence: logs are streamed, counter dumps are read whole (src/analyze-runtime.ts). */
export type RuntimeKind = "log" | "counters";

export type PathVerdict = { kind: FileKind } | { sniff: "openstack-ini" } | { runtime: RuntimeKind } | { sniff: "runtime" } | { skip: SkipReason };

export type SkipReason = "template" | "sample" | "hidden" | "not-openstack-ini" | "unrecognized";

const SWIFT_DAEMONS: Record<string, FileKind> = {
  "proxy-server": "swift-proxy-server",
  "object-expirer": "swift-object-expirer",
  "container-reconciler": "swift-container-reconciler",
  "internal-client": "swift-internal-client",
};

const TEMPLATE_SUFFIX = /\.(j2|jinja2?|tpl|tmpl|epp|erb|in|mustache|gotmpl)$/iu;
const SAMPLE_SUFFIX = /([.-]sample|\.example|\.dist|\.orig|\.rpmnew|\.rpmsave|\.dpkg-[a-z]+|~)$/iu;

const ROTATED = String.raw`(?:[.-]\d{1,8})?(?:\.gz)?`;
/** Logs by path (REFERENCE-openstack.md §4.2 for the sosreport names). */
const LOG_PATHS: readonly RegExp[] = [
  new RegExp(String.raw`(?:^|/)var/log/swift/[^/]+\.log${ROTATED}$`, "u"),
  new RegExp(String.raw`(?:^|/)var/log/(?:syslog|messages|daemon\.log|kern\.log)${ROTATED}$`, "u"),
  /(?:^|\/)var\/log\/(?:kolla|containers)\/.+/u,
  /(?:^|\/)sos_commands\/logs\/journalctl_--no-pager[^/]*$/u,
  new RegExp(String.raw`-json\.log${ROTATED}$`, "u"),
];
const NOT_LOGS = /(?:disk-usage|list-boots|--header|config\.v2\.json|hostconfig\.json)$/u;
/** Counter dumps: memcached `stats`, `netstat -s`, `nstat`, `/proc/net/netstat`. */
const COUNTER_PATHS: readonly RegExp[] = [
  /(?:^|\/)sos_commands\/memcached\/[^/]+$/u,
  /(?:^|\/)[^/]*memcached[^/]*[_-](?:stats|settings)(?:\.txt)?$/u,
  /(?:^|\/)(?:netstat_[^/]*-s[^/]*|netstat-s(?:\.txt)?|nstat[^/]*)$/u,
  /(?:^|\/)proc\/net\/(?:netstat|snmp)$/u,
];
/** Names that may hold a journal export or a counter dump: decided by content. */
const RUNTIME_SNIFF = /\.(?:json|export|journal|txt|log)$|^journal/u;

/** `path` is POSIX, relative to the input root. */
export function classifyPath(path: string): PathVerdict {
  const segments = path.split("/");
  const base = segments[segments.length - 1] ?? "";
  const parent = segments[segments.length - 2] ?? "";
  if (TEMPLATE_SUFFIX.test(base)) return { skip: "template" };
  if (!NOT_LOGS.test(base)) {
    if (COUNTER_PATHS.some((p) => p.test(path))) return { runtime: "counters" };
    if (LOG_PATHS.some((p) => p.test(path))) return { runtime: "log" };
  }
  if (SAMPLE_SUFFIX.test(base)) return { skip: "sample" };
  for (const { pattern, kind } of FIREWALL_PATHS) if (pattern.test(path)) return { kind };
  for (const { pattern, kind } of TOPOLOGY_PATHS) if (pattern.test(path)) return { kind };
  // Before the Swift names: kolla/config/swift/proxy-server.conf is an override, not a proxy config.
  if (/(^|\/)kolla\/config\/(.+\/)?[^/]+\.(conf|ini)$/u.test(path)) return { kind: "kolla-config-override" };

  // Swift's read_conf_dir reads `<name>.conf.d/*.conf` in sorted order and skips hidden files.
  const confDir = /^(.+)\.conf\.d$/u.exec(parent);
  if (confDir && base.endsWith(".conf")) {
    if (base.startsWith(".")) return { skip: "hidden" };
    const kind = SWIFT_DAEMONS[confDir[1]!];
    if (kind) return { kind };
  }
  const daemon = /^(.+)\.conf$/u.exec(base);
  if (daemon) {
    const kind = SWIFT_DAEMONS[daemon[1]!];
    if (kind) return { kind };
    if (base === "memcache.conf") return { kind: "swift-memcache-conf" };
  }
  if (/\.(conf|ini|cfg)$/iu.test(base)) return { sniff: "openstack-ini" };
  if (RUNTIME_SNIFF.test(base)) return { sniff: "runtime" };
  return { skip: "unrecognized" };
}

/** oslo.config group names are case-insensitive (all but DEFAULT are lowercased). */
const OSLO_CACHE_SECTIONS = /^\[(keystone_authtoken|cache)\][ \t]*$/imu;

export function classifyContent(text: string): FileKind | null {
  return OSLO_CACHE_SECTIONS.test(text) ? "openstack-ini" : null;
}

/**
 * A runtime file by its first bytes: a journald export (`-o json`, `-o export`) or a counter
 * dump, wherever it lies. Null: not one of them.
 */
export function classifyRuntimeContent(head: string): RuntimeKind | null {
  const start = head.trimStart();
  if (/^\[?\s*\{\s*"(?:__CURSOR|__REALTIME_TIMESTAMP|_BOOT_ID|MESSAGE|PRIORITY|_HOSTNAME)"/u.test(start)) return "log";
  if (/^(?:__CURSOR|__REALTIME_TIMESTAMP)=/u.test(start)) return "log";
  if (/^\{\s*"log"\s*:/u.test(start)) return "log";
  if (/^(?:STAT \S+ |#\S+\s+Field\s+Value)/mu.test(start) || /^TcpExt: [A-Za-z]/mu.test(start) || /^#kernel$/mu.test(start)) return "counters";
  return null;
}
