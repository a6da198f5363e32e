import { clientLabel, hostName, onHost } from "../src/engine/describe.js";
import { defineRule } from "../src/engine/rule.js";
import { instanceLabel, listenerText, effectiveListeners } from "../src/engine/topology-describe.js";
import type { RelatedLocation } from "../src/engine/rule.js";

/**
 * A client that names an address and port where nothing listens gets ECONNREFUSED (Swift logs
 * `Error connecting to memcached … [Errno 111]`, REFERENCE-openstack §5.3) and error-limits the
 * server: its share of keys is never cached.
 */
export default defineRule({
  id: "SL103",
  name: "memcache-server-not-listening",
  level: "error",
  tags: ["reliability", "swift", "keystone", "topology"],
  precision: "high",
  summary: "A cache client names a memcached address and port where no instance listens.",
  description:
    "Fires when a client's server entry resolves to a host whose memcached instances the inputs show (a launch configuration or an ss/netstat capture) and none of them listens on that address and port: a wrong IP, a wrong port, or memcached not running there. Silent when memcached listens on that port only on loopback (SL201 explains that) and for loopback entries on a host without any memcached (SL102).",
  messages: {
    notListening:
      "{client}{host} uses {server}, but no memcached on {target} listens on {address}:{port}; what listens there: {listening}. Point {client} at an address and port memcached listens on, or change memcached's -l/-p.",
  },
  check({ deployment, report }) {
    for (const route of deployment.cacheRoutes) {
      if (route.status !== "not-listening" || !route.hostId) continue;
      const instances = deployment.memcachedInstances.filter((i) => i.hostId === route.hostId);
      if (route.resolvedBy === "loopback" && instances.length === 0) continue; // SL102's case
      const client = deployment.cacheClients.find((c) => c.id === route.clientId)!;
      const related: RelatedLocation[] = [];
      for (const instance of instances) {
        for (const l of effectiveListeners(instance)) related.push({ location: l.location ?? instance.origin, message: `${instanceLabel(deployment, instance)} listens on ${listenerText(l)}` });
        if (effectiveListeners(instance).length === 0) related.push({ location: instance.origin, message: `${instanceLabel(deployment, instance)} opens no TCP listener` });
      }
      const listening = instances.flatMap((i) => effectiveListeners(i).map(listenerText));
      report({
        messageId: "notListening",
        data: {
          client: clientLabel(client),
          host: onHost(deployment, client.hostId),
          server: route.server.raw,
          target: hostName(deployment, route.hostId),
          address: route.address ?? route.server.host ?? route.server.raw,
          port: route.port,
          listening: listening.length > 0 ? [...new Set(listening)].join(", ") : "no memcached TCP listener",
        },
        location: route.server.location ?? client.section.location,
        related: related.slice(0, 8),
        key: `${client.id}:not-listening:${route.server.raw}`,
      });
    }
  },
});
