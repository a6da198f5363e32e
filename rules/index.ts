import type { Rule } from "../src/engine/rule.js";
import cacheMiddlewareOrder from "./cache-middleware-order.js";
import memcacheConfShadowed from "./memcache-conf-shadowed.js";
import memcacheLoopbackDefault from "./memcache-loopback-default.js";
import memcachePlaintextUntrustedNetwork from "./memcache-plaintext-untrusted-network.js";
import memcacheServerSyntax from "./memcache-server-syntax.js";
import memcacheServersInconsistent from "./memcache-servers-inconsistent.js";
import memcacheSingleServer from "./memcache-single-server.js";
import obsoleteOrUnknownCacheOption from "./obsolete-or-unknown-cache-option.js";
import tokenCacheMisconfigured from "./token-cache-misconfigured.js";
import listenBacklogLow from "./listen-backlog-low.js";
import memcacheServerNotListening from "./memcache-server-not-listening.js";
import memcachedBoundToLoopback from "./memcached-bound-to-loopback.js";
import memcachedExposed from "./memcached-exposed.js";
import memcachedMaxConnectionsLow from "./memcached-max-connections-low.js";
import memcachedMemoryLow from "./memcached-memory-low.js";
import memcachedNofileLimitLow from "./memcached-nofile-limit-low.js";
import memcachedUdpEnabled from "./memcached-udp-enabled.js";

/** Every rule, in id order. A new rule is one file in rules/ plus one line here. */
export const allRules: readonly Rule[] = (
  [
    memcacheSingleServer,
    memcacheLoopbackDefault,
    memcacheServersInconsistent,
    memcacheConfShadowed,
    cacheMiddlewareOrder,
    memcacheServerSyntax,
    memcachePlaintextUntrustedNetwork,
    tokenCacheMisconfigured,
    obsoleteOrUnknownCacheOption,
    listenBacklogLow,
    memcacheServerNotListening,
    memcachedBoundToLoopback,
    memcachedExposed,
    memcachedMaxConnectionsLow,
    memcachedMemoryLow,
    memcachedNofileLimitLow,
    memcachedUdpEnabled,
  ] as Rule[]
).sort((a, b) => (a.id < b.id ? -1 : 1));
