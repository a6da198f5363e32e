import { clientLabel, onHost, serverListClients } from "../src/engine/describe.js";
import { defineRule } from "../src/engine/rule.js";

/**
 * One server means one failure away from no cache. Swift clamps `tries` to the number of servers
 * (swift/common/memcached.py), so with one entry an unhealthy memcached is never routed around.
 */
export default defineRule({
  id: "SL101",
  name: "memcache-single-server",
  level: "warning",
  tags: ["reliability", "swift", "keystone"],
  precision: "very-high",
  summary: "A cache client lists only one memcached server.",
  description:
    "A client whose effective server list has exactly one entry loses its whole cache when that memcached fails or restarts: Swift clamps `tries` to the number of servers, keystonemiddleware and oslo.cache have nowhere else to go. The Swift proxy then answers 503 to tempauth requests and re-validates every token against Keystone.",
  messages: {
    single: "{client}{host} lists only one memcached server, {server}: when it fails or restarts, this client has no cache. List every memcached server of the deployment (Swift's deployment guide: memcache_servers should contain all memcached servers).",
    kollaSingle:
      "the Kolla inventory's memcached group has one host, {server}: Kolla renders every service with that one server, so when it fails or restarts every service loses its cache. Put two or more hosts in the memcached group (usually every controller).",
  },
  check({ deployment, report }) {
    // Kolla renders memcache_servers from groups['memcached'] (REFERENCE-openstack §3.1).
    for (const inventory of deployment.kollaInventories) {
      const group = inventory.memcachedGroup;
      if (!group || group.hosts.length !== 1) continue;
      report({ messageId: "kollaSingle", data: { server: group.hosts[0]! }, location: group.location, key: `${inventory.file}:memcached-group` });
    }
    for (const client of serverListClients(deployment)) {
      // The product's silent default (127.0.0.1 / localhost) is SL102's, the more specific rule.
      if (client.serversOrigin.kind === "default") continue;
      // A client Kolla renders from the memcached group: the group's finding above says it once.
      const origin = client.serversOrigin.location;
      if (deployment.kollaInventories.some((i) => i.memcachedGroup && i.memcachedGroup.location.file === origin.file && i.memcachedGroup.location.line === origin.line)) continue;
      const usable = client.servers.filter((s) => s.family !== "invalid");
      if (client.servers.length !== 1 || usable.length !== 1) continue;
      const server = usable[0]!;
      report({
        messageId: "single",
        data: { client: clientLabel(client), host: onHost(deployment, client.hostId), server: server.raw },
        location: server.location ?? client.section.location,
        key: `${client.id}:servers`,
      });
    }
  },
});
