import { hostName } from "../src/engine/describe.js";
import { defineRule } from "../src/engine/rule.js";
import { plural, timeRange } from "../src/model/runtime/describe.js";

const MESSAGE_FOR: Readonly<Record<string, "pool" | "decrypt" | "inProcess" | "unsafePool" | "dead">> = {
  "pool-exhausted": "pool",
  "decrypt-verify-failed": "decrypt",
  "in-process-cache": "inProcess",
  "eventlet-unsafe-pool": "unsafePool",
  "host-marked-dead": "dead",
};

/** keystonemiddleware / oslo.cache errors and warnings in service logs (REFERENCE §2.1, §2.2). */
export default defineRule({
  id: "SL407",
  name: "token-cache-errors",
  level: "warning",
  tags: ["reliability", "keystone", "runtime"],
  precision: "high",
  summary: "keystonemiddleware or oslo.cache logs token-cache errors.",
  description:
    "Token validation depends on the token cache: an exhausted connection pool fails the request, MAC/ENCRYPT data that does not verify means services disagree on `memcache_secret_key`, and the in-process cache means every worker validates every token against Keystone.",
  messages: {
    pool: "oslo.cache could not get a memcached connection from its pool {count} on {host} {range}{subjects}: requests fail while it waits. Raise memcache_pool_maxsize or check that memcached answers.",
    decrypt: "keystonemiddleware failed to decrypt/verify cached token data {count} on {host} {range}: services sharing the cache use different memcache_secret_key or memcache_security_strategy values.",
    inProcess: "keystonemiddleware uses its in-process token cache ({count} on {host} {range}): set memcached_servers (or cache = swift.cache in the proxy).",
    unsafePool: "keystonemiddleware uses the eventlet-unsafe cache pool ({count} on {host} {range}): set memcache_use_advanced_pool = true.",
    dead: "oslo.cache marked memcached servers dead {count} on {host} {range}{subjects}: tokens are not cached while they are.",
  },
  check({ deployment, report }) {
    for (const series of deployment.runtime.tokenCacheErrors) {
      const messageId = MESSAGE_FOR[series.condition];
      if (!messageId) continue;
      report({
        messageId,
        data: {
          count: plural(series.count, "time"),
          host: hostName(deployment, series.hostId),
          range: timeRange(series.first, series.last),
          subjects: series.subjects.length > 0 ? ` (${series.subjects.join(", ")})` : "",
        },
        location: series.first.location,
        ...(series.count > 1 ? { related: [{ location: series.last.location, message: "the last such line" }] } : {}),
        key: `${series.hostId}:${series.condition}`,
      });
    }
  },
});
