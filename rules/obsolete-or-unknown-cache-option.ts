import { defineRule } from "../src/engine/rule.js";
import type { CacheClient, WrittenOption } from "../src/model/deployment.js";
import type { SourceLocation } from "../src/model/source.js";

/**
 * Known options, per product. Keep each table next to its source.
 *
 * Swift's cache middleware (`[filter:cache]`, and `[memcache]` in memcache.conf): the options
 * `load_memcache` reads (openstack/swift swift/common/memcached.py; etc/memcache.conf-sample;
 * REFERENCE-openstack §1.1).
 */
const SWIFT_MEMCACHE_OPTIONS = [
  "memcache_servers",
  "memcache_max_connections",
  "connect_timeout",
  "pool_timeout",
  "tries",
  "io_timeout",
  "error_suppression_interval",
  "error_suppression_limit",
  "tls_enabled",
  "tls_cafile",
  "tls_certfile",
  "tls_keyfile",
  "item_size_warning_threshold",
];

/**
 * What else a paste filter section of Swift accepts: paste.deploy's own keys, `swift_dir` (where
 * load_memcache looks for memcache.conf), and the logging options of Swift's get_logger — the
 * ones the `[filter:cache]` comments of etc/proxy-server.conf-sample list (log_name,
 * log_facility, log_level, log_headers, log_address) and the ones its `[DEFAULT]` documents for
 * every logger (log_max_line_length, log_custom_handlers, log_udp_*, log_statsd_*).
 */
const SWIFT_FILTER_EXTRA = [
  "use",
  "paste.filter_factory",
  "swift_dir",
  "log_name",
  "log_facility",
  "log_level",
  "log_headers",
  "log_address",
  "log_max_line_length",
  "log_custom_handlers",
  "log_udp_host",
  "log_udp_port",
  "log_statsd_host",
  "log_statsd_port",
  "log_statsd_default_sample_rate",
  "log_statsd_sample_rate_factor",
  "log_statsd_metric_prefix",
];

/**
 * keystonemiddleware's memcache options in `[keystone_authtoken]` / `[filter:authtoken]`
 * (openstack/keystonemiddleware keystonemiddleware/auth_token/_opts.py; REFERENCE-openstack §2.1).
 */
const KEYSTONEMIDDLEWARE_MEMCACHE_OPTIONS = [
  "memcached_servers",
  "memcache_security_strategy",
  "memcache_secret_key",
  "memcache_pool_dead_retry",
  "memcache_pool_maxsize",
  "memcache_pool_socket_timeout",
  "memcache_pool_unused_timeout",
  "memcache_pool_conn_get_timeout",
  "memcache_use_advanced_pool",
  "memcache_tls_enabled",
  "memcache_tls_cafile",
  "memcache_tls_certfile",
  "memcache_tls_keyfile",
  "memcache_tls_allowed_ciphers",
  "memcache_sasl_enabled",
  "memcache_username",
  "memcache_password",
];

/**
 * oslo.cache's memcache options in `[cache]` (openstack/oslo.cache oslo_cache/_opts.py;
 * REFERENCE-openstack §2.2). The group holds many other options (backend, redis_*, tls_*, …):
 * only memcache-looking names are judged there.
 */
const OSLO_CACHE_MEMCACHE_OPTIONS = [
  "memcache_servers",
  "memcache_dead_retry",
  "memcache_pool_maxsize",
  "memcache_pool_unused_timeout",
  "memcache_pool_connection_get_timeout",
  "memcache_pool_flush_on_reconnect",
  "memcache_sasl_enabled",
  "memcache_username",
  "memcache_password",
];

interface Confusion {
  /** The library whose option this is. */
  readonly owner: string;
  /** What to write instead. */
  readonly fix: string;
}

interface Renamed {
  readonly replacement: string;
  readonly since: string;
}

/** Deprecated names that still work, with the name that replaces them. */
const SWIFT_FILTER_DEPRECATED: Record<string, Renamed> = {
  // load_memcache: int(conf.get('memcache_max_connections') or conf.get('max_connections') or 0)
  max_connections: { replacement: "memcache_max_connections", since: "" },
};
const KEYSTONEMIDDLEWARE_DEPRECATED: Record<string, Renamed> = {
  // _opts.py: cfg.ListOpt('memcached_servers', deprecated_name='memcache_servers')
  memcache_servers: { replacement: "memcached_servers", since: "" },
};
const OSLO_CACHE_DEPRECATED: Record<string, Renamed> = {
  // oslo.cache commit 6d34bf0, first tag 4.1.0 (REFERENCE-openstack §2.2).
  memcache_socket_timeout: { replacement: "socket_timeout", since: " since oslo.cache 4.1.0" },
};

/** Options the product once read and now ignores. */
const SWIFT_OBSOLETE: Record<string, string> = {
  // Pickle support was removed in Swift 2.30.0 (commit 11b9761; REFERENCE-openstack §1.1).
  memcache_serialization_support: "Swift removed pickle serialization in 2.30.0 and ignores this option",
};

/**
 * Names from the other library: the option exists, but not under this name here. The hint says
 * whose name it is, so that the reader sees why it was written.
 */
const OSLO_CACHE_CONFUSED: Record<string, Confusion> = {
  memcache_pool_conn_get_timeout: { owner: "keystonemiddleware", fix: "oslo.cache calls it memcache_pool_connection_get_timeout" },
  memcache_pool_dead_retry: { owner: "keystonemiddleware", fix: "oslo.cache calls it memcache_dead_retry" },
  memcache_pool_socket_timeout: { owner: "keystonemiddleware", fix: "oslo.cache calls it socket_timeout" },
  memcache_tls_enabled: { owner: "keystonemiddleware", fix: "oslo.cache calls it tls_enabled" },
  memcache_security_strategy: { owner: "keystonemiddleware", fix: "set it in [keystone_authtoken]" },
  memcache_secret_key: { owner: "keystonemiddleware", fix: "set it in [keystone_authtoken]" },
  memcache_use_advanced_pool: { owner: "keystonemiddleware", fix: "oslo.cache's pooled client is chosen with backend = oslo_cache.memcache_pool" },
};
const KEYSTONEMIDDLEWARE_CONFUSED: Record<string, Confusion> = {
  memcache_dead_retry: { owner: "oslo.cache", fix: "keystonemiddleware calls it memcache_pool_dead_retry" },
  memcache_pool_connection_get_timeout: { owner: "oslo.cache", fix: "keystonemiddleware calls it memcache_pool_conn_get_timeout" },
  memcache_socket_timeout: { owner: "oslo.cache", fix: "keystonemiddleware calls it memcache_pool_socket_timeout" },
};

interface Vocabulary {
  readonly product: string;
  readonly known: readonly string[];
  readonly deprecated: Readonly<Record<string, Renamed>>;
  readonly obsolete: Readonly<Record<string, string>>;
  readonly confused: Readonly<Record<string, Confusion>>;
  /** Only these names are judged (sections that hold options of other components). */
  readonly judges: (name: string) => boolean;
  /** paste.deploy and Swift read option names as written: `Memcache_Servers` is another option. */
  readonly caseSensitive: boolean;
}

const SWIFT_KINDS = new Set<CacheClient["kind"]>(["swift-proxy", "swift-object-expirer", "swift-container-reconciler", "swift-internal-client"]);

function vocabularyFor(client: CacheClient, option: WrittenOption): Vocabulary {
  if (SWIFT_KINDS.has(client.kind)) {
    const inFilter = option.section !== "memcache";
    return {
      product: "Swift's cache middleware",
      // memcache.conf is read for [memcache] options only: no logging or paste keys there.
      known: inFilter ? [...SWIFT_MEMCACHE_OPTIONS, ...SWIFT_FILTER_EXTRA] : SWIFT_MEMCACHE_OPTIONS,
      deprecated: inFilter ? SWIFT_FILTER_DEPRECATED : {},
      obsolete: SWIFT_OBSOLETE,
      confused: {},
      judges: () => true,
      caseSensitive: true,
    };
  }
  if (client.kind === "keystonemiddleware") {
    return {
      product: "keystonemiddleware",
      known: KEYSTONEMIDDLEWARE_MEMCACHE_OPTIONS,
      deprecated: KEYSTONEMIDDLEWARE_DEPRECATED,
      obsolete: {},
      confused: KEYSTONEMIDDLEWARE_CONFUSED,
      judges: (name) => looksMemcache(name, KEYSTONEMIDDLEWARE_MEMCACHE_OPTIONS),
      caseSensitive: false,
    };
  }
  return {
    product: "oslo.cache",
    known: OSLO_CACHE_MEMCACHE_OPTIONS,
    deprecated: OSLO_CACHE_DEPRECATED,
    obsolete: {},
    confused: OSLO_CACHE_CONFUSED,
    judges: (name) => looksMemcache(name, OSLO_CACHE_MEMCACHE_OPTIONS),
    caseSensitive: false,
  };
}

/** A memcache option, or a misspelling of one (`memcahced_servers`). */
function looksMemcache(name: string, known: readonly string[]): boolean {
  const lower = name.toLowerCase();
  return lower.startsWith("memcache") || known.some((k) => editDistance(lower, k, 2) <= 2);
}

/** Levenshtein distance, giving up (returning max + 1) once it exceeds `max`. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const cell = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      current.push(cell);
      best = Math.min(best, cell);
    }
    if (best > max) return max + 1;
    previous = current;
  }
  return previous[b.length]!;
}

/** The closest known name within two edits (ties: alphabetical), or null. */
function closest(name: string, known: readonly string[]): string | null {
  const lower = name.toLowerCase();
  let found: { name: string; distance: number } | null = null;
  for (const candidate of [...known].sort()) {
    const distance = editDistance(lower, candidate, 2);
    if (distance <= 2 && (!found || distance < found.distance)) found = { name: candidate, distance };
  }
  return found?.name ?? null;
}

export default defineRule({
  id: "SL110",
  name: "obsolete-or-unknown-cache-option",
  level: "note",
  tags: ["maintainability", "swift", "keystone"],
  precision: "high",
  summary: "A cache option is obsolete, deprecated, or not an option the product knows.",
  description:
    "Swift's cache middleware, keystonemiddleware and oslo.cache ignore options they do not know, without a word: a misspelt memcache_servers silently leaves the default in place, and memcache_serialization_support has done nothing since Swift 2.30.0. Deprecated names still work today but may stop working in a later release. In [keystone_authtoken] and [cache], which hold many options of other components, only memcache-looking names are judged.",
  messages: {
    obsolete: "[{section}] {option} is no longer read: {reason}. Remove the line.",
    deprecated:
      "[{section}] {option} is a deprecated name of {replacement}{since}: it still works, but a later release may stop reading it. Rename it to {replacement}.",
    deprecatedShadowed:
      "[{section}] {option} is ignored: it is a deprecated name of {replacement}, which is also set and wins. Remove this line and keep {replacement}.",
    aliasNotRead:
      "[memcache] max_connections is not read: from memcache.conf Swift takes only memcache_max_connections (max_connections is an alias in [filter:cache] only). Rename it to memcache_max_connections.",
    unknownSuggest:
      "[{section}] {option} is not an option {product} reads, so it has no effect; did you mean {suggestion}?{hint} Rename it if so.",
    otherLibrary: "[{section}] {option} is {owner}'s option, not one {product} reads, so it has no effect here. {fix}.",
    unknown: "[{section}] {option} is not an option {product} reads, so it has no effect. Check its spelling against the product's documentation, or remove it.",
  },
  check({ deployment, report }) {
    const seen = new Set<string>();
    for (const client of deployment.cacheClients) {
      for (const option of client.writtenOptions) {
        // memcache.conf feeds every Swift daemon of the host: judge each line once.
        const site = `${option.location.file}:${option.location.line}:${option.location.column}`;
        if (seen.has(site)) continue;
        // paste.deploy's `set`/`get` lines are not options of the filter itself.
        if (option.name.startsWith("set ") || option.name.startsWith("get ")) continue;
        const vocabulary = vocabularyFor(client, option);
        const name = option.name;
        if (!vocabulary.judges(name)) continue;
        seen.add(site);
        const base = { section: option.section, option: name, product: vocabulary.product };
        const key = `${option.location.file}[${option.section}]${name}`;
        const at: SourceLocation = option.location;

        if (vocabulary.known.includes(name)) continue;
        const obsolete = vocabulary.obsolete[name];
        if (obsolete) {
          report({ messageId: "obsolete", data: { ...base, reason: obsolete }, location: at, key: `${key}:obsolete` });
          continue;
        }
        const renamed = vocabulary.deprecated[name];
        if (renamed) {
          const replacementAt = client.writtenOptions.find((o) => o.section === option.section && o.name === renamed.replacement);
          if (replacementAt) {
            report({
              messageId: "deprecatedShadowed",
              data: { ...base, replacement: renamed.replacement },
              location: at,
              related: [{ location: replacementAt.location, message: `${renamed.replacement}, the value in effect` }],
              key: `${key}:deprecated-shadowed`,
            });
          } else {
            report({ messageId: "deprecated", data: { ...base, replacement: renamed.replacement, since: renamed.since }, location: at, key: `${key}:deprecated` });
          }
          continue;
        }
        if (SWIFT_KINDS.has(client.kind) && option.section === "memcache" && name === "max_connections") {
          report({ messageId: "aliasNotRead", data: base, location: at, key: `${key}:alias-not-read` });
          continue;
        }
        // oslo.config and keystonemiddleware: leave case questions alone; Swift and paste.deploy
        // read names as written, so a capital letter makes another option.
        if (!vocabulary.caseSensitive && vocabulary.known.includes(name.toLowerCase())) continue;
        const confused = vocabulary.confused[name];
        if (confused) {
          report({ messageId: "otherLibrary", data: { ...base, owner: confused.owner, fix: confused.fix }, location: at, key: `${key}:other-library` });
          continue;
        }
        const suggestion = closest(name, [...vocabulary.known, ...Object.keys(vocabulary.deprecated).map((d) => vocabulary.deprecated[d]!.replacement)]);
        if (suggestion) {
          const hint = suggestion === name.toLowerCase() ? " (Option names are case-sensitive.)" : "";
          report({ messageId: "unknownSuggest", data: { ...base, suggestion, hint }, location: at, key: `${key}:unknown` });
        } else {
          report({ messageId: "unknown", data: base, location: at, key: `${key}:unknown` });
        }
      }
    }
  },
});
