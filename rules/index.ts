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
import authFailuresAfterCacheLoss from "./auth-failures-after-cache-loss.js";
import listenQueueOverflows from "./listen-queue-overflows.js";
import memcachedConnectionErrors from "./memcached-connection-errors.js";
import memcachedEvictions from "./memcached-evictions.js";
import memcachedRejectingConnections from "./memcached-rejecting-connections.js";
import memcachedRestartedTogether from "./memcached-restarted-together.js";
import proxy503MemcachedErrors from "./proxy-503-memcached-errors.js";
import tokenCacheErrors from "./token-cache-errors.js";
import listenBacklogLow from "./listen-backlog-low.js";
import memcacheServerNotListening from "./memcache-server-not-listening.js";
import memcachedBoundToLoopback from "./memcached-bound-to-loopback.js";
import memcachedExposed from "./memcached-exposed.js";
import memcachedMaxConnectionsLow from "./memcached-max-connections-low.js";
import memcachedMemoryLow from "./memcached-memory-low.js";
import memcachedNofileLimitLow from "./memcached-nofile-limit-low.js";
import memcachedUdpEnabled from "./memcached-udp-enabled.js";
import firewallBlocksMemcached from "./firewall-blocks-memcached.js";

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
    proxy503MemcachedErrors,
    memcachedConnectionErrors,
    memcachedRejectingConnections,
    listenQueueOverflows,
    memcachedEvictions,
    memcachedRestartedTogether,
    tokenCacheErrors,
    authFailuresAfterCacheLoss,
    listenBacklogLow,
    memcacheServerNotListening,
    memcachedBoundToLoopback,
    memcachedExposed,
    memcachedMaxConnectionsLow,
    memcachedMemoryLow,
    memcachedNofileLimitLow,
    memcachedUdpEnabled,
    firewallBlocksMemcached,
  ] as Rule[]
).sort((a, b) => (a.id < b.id ? -1 : 1));
