import type { Rule } from "../src/engine/rule.js";
import cacheMiddlewareOrder from "./cache-middleware-order.js";
import memcacheConfShadowed from "./memcache-conf-shadowed.js";
import memcacheLoopbackDefault from "./memcache-loopback-default.js";
import memcacheSingleServer from "./memcache-single-server.js";

/** Every rule, in id order. A new rule is one file in rules/ plus one line here. */
export const allRules: readonly Rule[] = ([memcacheSingleServer, memcacheLoopbackDefault, memcacheConfShadowed, cacheMiddlewareOrder] as Rule[]).sort((a, b) =>
  a.id < b.id ? -1 : 1,
);
