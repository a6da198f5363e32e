import { hostName } from "../src/engine/describe.js";
import { defineRule } from "../src/engine/rule.js";
import { authBursts, formatTime } from "../src/model/runtime/correlate.js";

/** 401s right after the cache was lost: tokens that lived only in memcached are gone. */
export default defineRule({
  id: "SL408",
  name: "auth-failures-after-cache-loss",
  level: "note",
  tags: ["reliability", "swift", "runtime"],
  precision: "medium",
  summary: "A burst of 401 responses follows a memcached restart or an end of memcache errors.",
  description:
    "tempauth keeps its tokens only in memcached: when memcached restarts, or while it fails, tokens are lost or never stored, and clients holding them get 401 until they authenticate again (observed with Swift 2.30.1). A burst of 401s right after the cache came back is that, not an attack or a Keystone problem.",
  messages: {
    burst: "{count} 401 responses of the proxy on {host} within {window} s after {after} at {time}: tokens cached only in memcached were lost; clients must authenticate again.",
  },
  check({ deployment, settings, report }) {
    for (const burst of authBursts(deployment, settings)) {
      report({
        messageId: "burst",
        data: {
          count: burst.count,
          host: hostName(deployment, burst.hostId),
          window: settings.authBurstWindowSeconds,
          after: burst.after.kind === "restart" ? "memcached restarted" : "its memcache errors ended",
          time: formatTime(burst.after.time),
        },
        location: burst.first401.location,
        related: [{ location: burst.after.location, message: burst.after.kind === "restart" ? "memcached started" : "the last memcache error" }],
        key: `${burst.hostId}:401-burst`,
      });
    }
  },
});
