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

export type PathVerdict = { kind: FileKind } | { sniff: "openstack-ini" } | { skip: SkipReason };

export type SkipReason = "template" | "sample" | "hidden" | "not-openstack-ini" | "unrecognized";

const SWIFT_DAEMONS: Record<string, FileKind> = {
  "proxy-server": "swift-proxy-server",
  "object-expirer": "swift-object-expirer",
  "container-reconciler": "swift-container-reconciler",
  "internal-client": "swift-internal-client",
};

const TEMPLATE_SUFFIX = /\.(j2|jinja2?|tpl|tmpl|epp|erb|in|mustache|gotmpl)$/iu;
const SAMPLE_SUFFIX = /([.-]sample|\.example|\.dist|\.orig|\.rpmnew|\.rpmsave|\.dpkg-[a-z]+|~)$/iu;

/** `path` is POSIX, relative to the input root. */
export function classifyPath(path: string): PathVerdict {
  const segments = path.split("/");
  const base = segments[segments.length - 1] ?? "";
  const parent = segments[segments.length - 2] ?? "";
  if (TEMPLATE_SUFFIX.test(base)) return { skip: "template" };
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
  return { skip: "unrecognized" };
}

/** oslo.config group names are case-insensitive (all but DEFAULT are lowercased). */
const OSLO_CACHE_SECTIONS = /^\[(keystone_authtoken|cache)\][ \t]*$/imu;

export function classifyContent(text: string): FileKind | null {
  return OSLO_CACHE_SECTIONS.test(text) ? "openstack-ini" : null;
}
