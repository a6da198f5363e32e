import { clientLabel, onHost } from "../src/engine/describe.js";
import { defineRule } from "../src/engine/rule.js";
import type { CacheClient } from "../src/model/deployment.js";
import type { SourceLocation } from "../src/model/source.js";
import { serverKey } from "../src/model/server-list.js";

const SWIFT_KINDS = new Set<CacheClient["kind"]>(["swift-proxy", "swift-object-expirer", "swift-container-reconciler", "swift-internal-client"]);

/** A client whose written server list can be compared: normalized `host:port` keys in list order. */
interface Candidate {
  readonly client: CacheClient;
  readonly swift: boolean;
  /** Normalized keys in list order, first occurrence only (duplicates are SL107's). */
  readonly order: string[];
  readonly members: ReadonlySet<string>;
  /** Canonical text of the set (sorted keys). */
  readonly set: string;
  readonly location: SourceLocation;
}

function candidateOf(client: CacheClient): Candidate | null {
  // Swift-ring clients share the ring (no double report); in-process and disabled clients use no
  // servers; a product default is SL102's.
  if (client.mode !== "own-servers" || client.serversOrigin.kind !== "file") return null;
  const order: string[] = [];
  for (const entry of client.servers) {
    if (entry.problem) continue;
    // A templated entry (Jinja, Helm) has an unknown value: the list cannot be compared.
    if (entry.host === null) return null;
    const key = serverKey(entry);
    if (!order.includes(key)) order.push(key);
  }
  if (order.length === 0) return null;
  const members = new Set(order);
  return { client, swift: SWIFT_KINDS.has(client.kind), order, members, set: [...members].sort().join(","), location: client.serversOrigin.location };
}

function overlaps(a: Candidate, b: Candidate): boolean {
  for (const key of a.members) if (b.members.has(key)) return true;
  return false;
}

function byId(a: Candidate, b: Candidate): number {
  return a.client.id < b.client.id ? -1 : a.client.id > b.client.id ? 1 : 0;
}

/**
 * The value most clients of `pool` share, by `valueOf`: most clients first, then the most
 * clients of `wider` (a tie-breaker pool), then (for server sets) the larger set — the longer list
 * is the likelier complete one — then the lowest client id.
 */
function mostCommon(pool: readonly Candidate[], valueOf: (c: Candidate) => string, wider: readonly Candidate[] = []): string {
  const groups = new Map<string, Candidate[]>();
  for (const c of [...pool].sort(byId)) {
    const value = valueOf(c);
    groups.set(value, [...(groups.get(value) ?? []), c]);
  }
  const widerCount = (value: string) => wider.filter((c) => valueOf(c) === value).length;
  const ranked = [...groups.entries()].sort(
    ([va, a], [vb, b]) => b.length - a.length || widerCount(vb) - widerCount(va) || b[0]!.members.size - a[0]!.members.size || byId(a[0]!, b[0]!),
  );
  return ranked[0]![0];
}

function joinList(keys: readonly string[]): string {
  return keys.join(", ");
}

/** oslo.cache backends that read IPv6 the python-memcached way (`inet6:[addr]:port`). */
const INET6_BACKENDS = new Set(["oslo_cache.memcache_pool", "dogpile.cache.memcached"]);

/** The list as `client` must write it: python-memcached wants `inet6:` before a bracketed IPv6. */
function listFor(client: CacheClient, keys: readonly string[]): string {
  const inet6 = client.kind === "keystonemiddleware" || (client.kind === "oslo-cache" && INET6_BACKENDS.has(client.settings.backend?.value.trim() ?? ""));
  return joinList(inet6 ? keys.map((k) => (k.startsWith("[") ? `inet6:${k}` : k)) : keys);
}

export default defineRule({
  id: "SL104",
  name: "memcache-servers-inconsistent",
  level: "warning",
  tags: ["reliability", "swift", "keystone"],
  precision: "high",
  summary: "Clients of one cache disagree on its memcached servers or their order.",
  description:
    "Swift proxies and the other Swift daemons hash keys onto one md5 ring built from memcache_servers; keystonemiddleware and oslo.cache pick a server from the position of each entry in their list. When clients of one cache list different servers, a key stored through one client is looked up on another server through the next: cache misses, token re-validation against Keystone, stale entries after an invalidation. Between python-memcached and oslo.cache clients of the same library, a different order has the same effect; Swift's ring does not depend on order. Lists with no server in common are taken as separate pools and not compared (except between Swift daemons, which share one ring).",
  messages: {
    setDiffers:
      "{client}{host} lists different memcached servers than {refClient}{refHost}: it {difference}. Clients of one cache must agree, or a key stored through one is looked up on another server through the other (cache misses, token re-validation, stale entries). List the same servers in both: {refList}.",
    orderDiffers:
      "{client}{host} lists the same memcached servers as {refClient}{refHost} but in another order ({order} instead of {refOrder}): python-memcached and oslo.cache pick a server by its position in the list, so the two store and look up one key on different servers. Use one order everywhere: {refOrder}.",
  },
  check({ deployment, report }) {
    const candidates = deployment.cacheClients.map(candidateOf).filter((c): c is Candidate => c !== null);
    const label = (c: Candidate) => ({ name: clientLabel(c.client), host: onHost(deployment, c.client.hostId) });
    const related = (ref: Candidate) => {
      const { name, host } = label(ref);
      return [{ location: ref.location, message: `${name}${host} lists ${joinList(ref.order)}` }];
    };

    for (const candidate of candidates) {
      // Swift daemons share one ring whatever they list; other clients are compared only with
      // lists they overlap (disjoint lists are probably separate pools).
      const peers = candidates.filter((other) => other !== candidate && ((candidate.swift && other.swift) || overlaps(candidate, other)));
      if (peers.length === 0) continue;
      const pool = [candidate, ...peers];
      const { name, host } = label(candidate);

      const referenceSet = mostCommon(pool, (c) => c.set);
      if (candidate.set !== referenceSet) {
        const holders = pool.filter((c) => c.set === referenceSet).sort(byId);
        // Relate to a client most like this one: same library, then same family, then any.
        const reference =
          holders.find((c) => c.client.kind === candidate.client.kind) ?? holders.find((c) => c.swift === candidate.swift) ?? holders[0]!;
        const missing = reference.order.filter((k) => !candidate.members.has(k));
        const extra = candidate.order.filter((k) => !reference.members.has(k));
        const difference = [missing.length > 0 ? `lacks ${joinList(missing)}` : "", extra.length > 0 ? `adds ${joinList(extra)}` : ""].filter(Boolean).join(" and ");
        const ref = label(reference);
        report({
          messageId: "setDiffers",
          data: { client: name, host, refClient: ref.name, refHost: ref.host, difference, refList: listFor(candidate.client, reference.order) },
          location: candidate.location,
          related: related(reference),
          key: `${candidate.client.id}:servers-differ`,
        });
        continue;
      }

      if (candidate.swift || !candidate.client.orderSensitive) continue;
      // keystonemiddleware and oslo.cache never read each other's keys: order matters within a library.
      const sameSet = pool.filter((c) => c.client.orderSensitive && c.set === candidate.set);
      const orderPool = sameSet.filter((c) => c.client.kind === candidate.client.kind);
      if (orderPool.length < 2) continue;
      // A tie within the library is broken by the order the other order-sensitive clients use.
      const referenceOrder = mostCommon(orderPool, (c) => c.order.join(","), sameSet);
      if (candidate.order.join(",") === referenceOrder) continue;
      const reference = orderPool.filter((c) => c.order.join(",") === referenceOrder).sort(byId)[0]!;
      const ref = label(reference);
      report({
        messageId: "orderDiffers",
        data: { client: name, host, refClient: ref.name, refHost: ref.host, order: joinList(candidate.order), refOrder: listFor(candidate.client, reference.order) },
        location: candidate.location,
        related: related(reference),
        key: `${candidate.client.id}:servers-order`,
      });
    }
  },
});
