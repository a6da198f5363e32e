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
  | "openstack-ini";

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
