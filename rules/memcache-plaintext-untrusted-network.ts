import { clientLabel, onHost } from "../src/engine/describe.js";
import { findContainingCidr, isPublicAddress, parseCidrList, parseIp } from "../src/engine/ip.js";
import { defineRule } from "../src/engine/rule.js";
import type { CacheClient } from "../src/model/deployment.js";
import { serverKey } from "../src/model/server-list.js";

/**
 * memcached's text protocol has no encryption and, without SASL, no authentication. Clients can
 * wrap it in TLS: Swift `tls_enabled` (2.27.0+, swift/common/memcached.py), keystonemiddleware
 * `memcache_tls_enabled`, oslo.cache `tls_enabled` (REFERENCE-openstack §1.1, §2.1, §2.2).
 */
function tlsHow(client: CacheClient): string {
  switch (client.kind) {
    case "keystonemiddleware":
      return `memcache_tls_enabled = true (with memcache_tls_cafile) in [${client.section.value}]`;
    case "oslo-cache":
      return "tls_enabled = true (with tls_cafile) in [cache], with a backend that supports it (oslo_cache.memcache_pool, dogpile.cache.pymemcache, dogpile.cache.bmemcached)";
    default:
      return `tls_enabled = true (with tls_cafile) in [${client.section.value}]`;
  }
}

export default defineRule({
  id: "SL108",
  name: "memcache-plaintext-untrusted-network",
  level: "warning",
  tags: ["security", "swift", "keystone"],
  precision: "high",
  securitySeverity: "5.3",
  summary: "A cache client talks to a memcached server at a public address without TLS.",
  description:
    "memcached speaks a plaintext protocol. When a client names a server by a public address (not loopback, not private RFC 1918 or RFC 6598 space, not link-local, not IPv6 unique-local, not in the configured trusted networks) and does not enable TLS, tokens, account and container info and anything else in the cache cross networks the deployment does not control, readable and writable by anyone on the path. Host names are not judged: telling their address needs resolution.",
  messages: {
    plaintext:
      "{client}{host} sends cache traffic in plaintext to {server}, a public address: tokens and cached data can be read or altered on the way. Enable {tls}, with memcached started with TLS (-Z), or point the client at a private address; if the network is trusted, add it to trustedNetworks.",
  },
  check({ deployment, settings, report }) {
    const trusted = parseCidrList(settings.trustedNetworks).cidrs;
    for (const client of deployment.cacheClients) {
      // swift-ring clients use the Swift client's servers and TLS: that client reports.
      if (client.mode !== "own-servers" || client.tlsEnabled) continue;
      for (const server of client.servers) {
        if (server.problem || !server.location || server.host === null) continue;
        if (server.family !== "ipv4" && server.family !== "ipv6") continue;
        const address = parseIp(server.host);
        if (!address || !isPublicAddress(address) || findContainingCidr(trusted, address)) continue;
        report({
          messageId: "plaintext",
          data: { client: clientLabel(client), host: onHost(deployment, client.hostId), server: server.raw, tls: tlsHow(client) },
          location: server.location,
          key: `${client.id}:plaintext:${serverKey(server)}`,
        });
      }
    }
  },
});
