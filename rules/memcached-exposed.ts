import { hostName } from "../src/engine/describe.js";
import { defineRule } from "../src/engine/rule.js";
import { effectiveListeners, instanceLabel, listenerText } from "../src/engine/topology-describe.js";

/**
 * memcached has no authentication by default: whoever reaches the port reads and rewrites tokens
 * and cached Swift metadata. Whether a wildcard or public listener is reachable depends on the
 * host firewall; until firewall dumps are modelled this rule says so at note level.
 */
export default defineRule({
  id: "SL206",
  name: "memcached-exposed",
  level: "warning",
  tags: ["security", "memcached"],
  precision: "medium",
  securitySeverity: "6.5",
  summary: "memcached listens on a wildcard or public address.",
  description:
    "Fires when an instance listens on every interface (no -l, -l 0.0.0.0, ::, or a wildcard in ss) or on a public address. With a firewall dump for that host it will say whether port 11211 is open to untrusted sources; without one it reports at note level what it could not check.",
  messages: {
    noFirewall:
      "{instance} listens on {listeners}{how}; no firewall rules for {host} are in the inputs, so stacklint cannot tell whether untrusted networks reach it. Bind the management address only (-l <address>), or make sure the firewall admits only the cache clients.",
  },
  check({ deployment, report }) {
    for (const instance of deployment.memcachedInstances) {
      const exposed = effectiveListeners(instance).filter((l) => l.scope === "wildcard" || l.scope === "public");
      if (exposed.length === 0) continue;
      if (instance.container && instance.container.networkMode !== "host") continue; // reachable only through published ports
      report({
        messageId: "noFirewall",
        level: "note",
        data: {
          instance: instanceLabel(deployment, instance),
          listeners: exposed.map(listenerText).join(", "),
          how: exposed.some((l) => l.location === null) ? " (no -l: memcached's default is every interface)" : "",
          host: hostName(deployment, instance.hostId),
        },
        location: exposed.find((l) => l.location)?.location ?? instance.origin,
        key: `${instance.id}:exposed`,
      });
    }
  },
});
