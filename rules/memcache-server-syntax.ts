import { clientLabel, onHost } from "../src/engine/describe.js";
import { defineRule } from "../src/engine/rule.js";
import type { CacheClient, ServerEntry } from "../src/model/deployment.js";
import { formatLocation, type SourceLocation } from "../src/model/source.js";
import { serverKey } from "../src/model/server-list.js";

const SWIFT_KINDS = new Set<CacheClient["kind"]>(["swift-proxy", "swift-object-expirer", "swift-container-reconciler", "swift-internal-client"]);

/** oslo.cache backends that parse entries the python-memcached way (oslo_cache/_opts.py help text). */
const PYTHON_MEMCACHED_BACKENDS = new Set(["oslo_cache.memcache_pool", "dogpile.cache.memcached"]);

/** How the client wants an entry written, for the fix. */
function entryFormat(client: CacheClient): string {
  if (SWIFT_KINDS.has(client.kind)) return "host:port, or [IPv6]:port for IPv6";
  if (client.kind === "keystonemiddleware" || PYTHON_MEMCACHED_BACKENDS.has(client.settings.backend?.value.trim() ?? "")) {
    return "host:port, or inet6:[IPv6]:port for IPv6";
  }
  return "host:port";
}

/**
 * Swift builds its ring from `[s.strip() for s in memcache_servers.split(',') if s.strip()]`
 * (swift/common/memcached.py load_memcache): it drops empty entries, so a stray comma is harmless
 * there. The other problems (unbracketed IPv6, `inet6:` in Swift, missing `inet6:` for
 * python-memcached, bad ports) are decided by the model (src/model/server-list.ts).
 */
function reportableProblem(client: CacheClient, entry: ServerEntry): string | null {
  if (!entry.problem) return null;
  if (entry.raw === "" && SWIFT_KINDS.has(client.kind)) return null;
  return entry.problem;
}

/**
 * A swift-ring client uses the Swift client's entries (the Swift client reports them); disabled
 * and in-process clients never connect to theirs. Among the others, the proxy reports first.
 */
const KIND_RANK: Record<CacheClient["kind"], number> = {
  "swift-proxy": 0,
  "swift-object-expirer": 1,
  "swift-container-reconciler": 1,
  "swift-internal-client": 1,
  keystonemiddleware: 2,
  "oslo-cache": 3,
};

function siteOf(location: SourceLocation): string {
  return `${formatLocation(location)}-${location.endColumn}`;
}

export default defineRule({
  id: "SL107",
  name: "memcache-server-syntax",
  level: "error",
  tags: ["correctness", "swift", "keystone"],
  precision: "very-high",
  summary: "A memcached server entry is one its client cannot use, or is listed twice.",
  description:
    "Each client library parses memcache_servers its own way. Swift wants host:port or [IPv6]:port and refuses to start on an unbracketed IPv6 address or an `inet6:` prefix; python-memcached (keystonemiddleware, oslo.cache memcache_pool and dogpile.cache.memcached) needs `inet6:[addr]:port` for IPv6; a port outside 1–65535, white space or an inline comment make an entry unusable. A server listed twice counts as two servers: it gets a double share of the keys and skews the client's retries.",
  messages: {
    unusable: "{client}{host}{sharedBy} has a memcached server entry it cannot use: {problem}. Write each entry as {format}, separated by commas.",
    duplicate:
      "{client}{host}{sharedBy} lists the memcached server {server} twice{spellings}: the client counts it as two servers, which doubles its share of the keys and skews retries. Remove the duplicate entry.",
  },
  check({ deployment, report }) {
    const reported = new Set<string>();
    // The same memcache.conf line can feed several Swift daemons of one host: report it once,
    // under the proxy when it is among them, and name the others.
    const clients = [...deployment.cacheClients].filter((c) => c.mode === "own-servers").sort((a, b) => KIND_RANK[a.kind] - KIND_RANK[b.kind] || (a.id < b.id ? -1 : 1));
    const readers = new Map<string, string[]>();
    for (const client of clients) {
      for (const entry of client.servers) {
        if (!entry.location) continue;
        const site = siteOf(entry.location);
        const label = clientLabel(client) + onHost(deployment, client.hostId);
        const list = readers.get(site) ?? [];
        if (!list.includes(label)) list.push(label);
        readers.set(site, list);
      }
    }
    const sharedBy = (site: string) => {
      const others = (readers.get(site) ?? []).slice(1);
      return others.length > 0 ? ` (the same line also feeds ${others.join(", ")})` : "";
    };
    for (const client of clients) {
      const data = { client: clientLabel(client), host: onHost(deployment, client.hostId) };
      const seen = new Map<string, ServerEntry>();
      const occurrences = new Map<string, number>();
      for (const entry of client.servers) {
        if (!entry.location) continue;
        const site = siteOf(entry.location);
        const problem = reportableProblem(client, entry);
        if (problem) {
          if (reported.has(`${site}:problem`)) continue;
          reported.add(`${site}:problem`);
          // Same text twice in one list: number them so that their keys stay apart.
          const nth = (occurrences.get(entry.raw) ?? 0) + 1;
          occurrences.set(entry.raw, nth);
          report({
            messageId: "unusable",
            data: { ...data, problem, format: entryFormat(client), sharedBy: sharedBy(site) },
            location: entry.location,
            key: `${client.id}:server-syntax:${entry.raw}${nth > 1 ? `#${nth}` : ""}`,
          });
          continue;
        }
        if (entry.problem || entry.host === null) continue;
        const key = serverKey(entry);
        const first = seen.get(key);
        if (!first) {
          seen.set(key, entry);
          continue;
        }
        if (reported.has(`${site}:duplicate`)) continue;
        reported.add(`${site}:duplicate`);
        report({
          messageId: "duplicate",
          data: { ...data, sharedBy: sharedBy(site), server: key, spellings: first.raw === entry.raw ? "" : ` (as ${first.raw} and ${entry.raw})` },
          location: entry.location,
          ...(first.location ? { related: [{ location: first.location, message: `first listed here as ${first.raw}` }] } : {}),
          key: `${client.id}:duplicate-server:${key}`,
        });
      }
    }
  },
});
