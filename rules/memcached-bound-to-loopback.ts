import { clientLabel, onHost } from "../src/engine/describe.js";
import { defineRule, type RelatedLocation } from "../src/engine/rule.js";
import { instanceLabel, listenerText, routesTo } from "../src/engine/topology-describe.js";
import type { MemcachedInstance } from "../src/model/deployment.js";

/**
 * Debian's /etc/memcached.conf and RHEL's sysconfig ship `-l 127.0.0.1` (REFERENCE-openstack §3.5):
 * remote proxies and services get ECONNREFUSED. A container bound to its own loopback cannot be
 * reached through a published port either: Docker forwards to the container's eth0 address.
 */
export default defineRule({
  id: "SL201",
  name: "memcached-bound-to-loopback",
  level: "error",
  tags: ["reliability", "memcached", "topology"],
  precision: "high",
  summary: "memcached listens only on loopback while clients reach it from elsewhere.",
  description:
    "Fires when a memcached instance listens only on loopback (-l 127.0.0.1, ::1, localhost) while a client on another host, or a client using a non-loopback address of that host, points at it; and when a containerized memcached is bound to loopback inside its container while its port is published (the mapping leads nowhere). Silent for a single-node lab whose clients all use loopback.",
  messages: {
    remoteClients:
      "{instance} listens only on {listeners}, but {clients} use it at {servers}: they get 'connection refused'. Add the cluster address to -l (for example -l {suggest}) or bind the management address only.",
    containerLoopback:
      "{instance} listens on {listeners} inside its container while port {published} is published: Docker forwards to the container's own address, where nothing listens. Bind 0.0.0.0 (or the container address) inside the container and restrict the published address instead.",
  },
  check({ deployment, report }) {
    for (const instance of deployment.memcachedInstances) {
      const loopback = instance.listeners.filter((l) => l.scope === "loopback");
      const routes = routesTo(deployment, instance, "loopback-only");
      if (routes.length > 0) {
        const clients = [...new Set(routes.map((r) => deployment.cacheClients.find((c) => c.id === r.clientId)!).map((c) => `${clientLabel(c)}${onHost(deployment, c.hostId)}`))];
        const related: RelatedLocation[] = routes.filter((r) => r.server.location).map((r) => ({ location: r.server.location!, message: `a client uses ${r.server.raw}` }));
        report({
          messageId: "remoteClients",
          data: {
            instance: instanceLabel(deployment, instance),
            listeners: listenersOf(instance),
            clients: clients.slice(0, 3).join(", ") + (clients.length > 3 ? ` and ${clients.length - 3} more` : ""),
            servers: [...new Set(routes.map((r) => r.server.raw))].join(", "),
            suggest: `127.0.0.1,${routes.find((r) => r.address && r.resolvedBy !== "loopback")?.address ?? "<management address>"}`,
          },
          location: loopback[0]?.location ?? instance.observedListeners.find((l) => l.scope === "loopback")?.location ?? instance.origin,
          related: related.slice(0, 8),
          key: `${instance.id}:loopback`,
        });
        continue;
      }
      const container = instance.container;
      if (!container || container.networkMode === "host" || container.published.length === 0 || loopback.length === 0) continue;
      if (!instance.listeners.every((l) => l.scope === "loopback")) continue;
      const published = container.published.filter((p) => instance.listeners.some((l) => l.port === p.containerPort));
      if (published.length === 0) continue;
      report({
        messageId: "containerLoopback",
        data: { instance: instanceLabel(deployment, instance), listeners: listenersOf(instance), published: published.map((p) => `${p.hostPort}->${p.containerPort}`).join(", ") },
        location: loopback[0]!.location ?? instance.origin,
        related: published.map((p) => ({ location: p.location, message: `port ${p.hostPort} published to the container's ${p.containerPort}` })),
        key: `${instance.id}:container-loopback`,
      });
    }
  },
});

function listenersOf(instance: MemcachedInstance): string {
  return [...new Set(instance.listeners.map(listenerText))].join(", ");
}
