import { clientLabel, hostName, onHost } from "../src/engine/describe.js";
import { defineRule } from "../src/engine/rule.js";
import { isLoopbackHost } from "../src/model/server-list.js";

/**
 * Swift falls back to 127.0.0.1:11211 when neither [filter:cache], [DEFAULT] nor memcache.conf
 * names servers (swift/common/memcached.py load_memcache); oslo.cache to localhost:11211. On a
 * cluster each proxy then caches alone: tokens and account/container info do not survive moving
 * between proxies.
 */
export default defineRule({
  id: "SL102",
  name: "memcache-loopback-default",
  level: "warning",
  tags: ["reliability", "swift", "keystone"],
  precision: "high",
  summary: "A cache client silently uses a loopback memcached.",
  description:
    "Fires when a Swift daemon loads the cache filter but no memcache_servers is set anywhere (Swift then uses 127.0.0.1:11211 without a word), when oslo.cache is enabled without memcache_servers (localhost:11211), or when a client names a loopback address in a deployment with several proxy or API hosts: each host then has a private cache, so tokens and cached account and container info are not shared.",
  messages: {
    swiftDefault:
      "{client}{host} sets no memcache_servers anywhere ([filter:cache], [DEFAULT] or memcache.conf), so Swift silently uses 127.0.0.1:11211. Set memcache_servers in [filter:cache] to every memcached server of the cluster.",
    osloDefault:
      "{client}{host} is enabled without memcache_servers, so oslo.cache silently uses localhost:11211. Set memcache_servers to every memcached server of the deployment.",
    loopbackMultiHost:
      "{client}{host} names {server}, a loopback address, while {hostCount} hosts run cache clients: each host gets a private cache that the others never see. List the memcached servers by their cluster addresses.",
    noLocalMemcached:
      "{client}{host} names {server}, a loopback address, but no memcached runs on {hostName} ({evidence}): the client has no cache. List the memcached servers by their cluster addresses.",
  },
  check({ deployment, report }) {
    const clientHosts = new Set(deployment.cacheClients.map((c) => c.hostId));
    for (const client of deployment.cacheClients) {
      if (client.mode !== "own-servers") continue;
      const data = { client: clientLabel(client), host: onHost(deployment, client.hostId) };
      if (client.serversOrigin.kind === "default") {
        report({
          messageId: client.kind === "oslo-cache" ? "osloDefault" : "swiftDefault",
          data,
          location: client.section.location,
          key: `${client.id}:default-servers`,
        });
        continue;
      }
      // A loopback entry on a host whose listeners are known and hold no memcached at all.
      for (const route of deployment.cacheRoutes) {
        if (route.clientId !== client.id || route.resolvedBy !== "loopback" || route.status !== "not-listening" || !route.server.location) continue;
        if (deployment.memcachedInstances.some((i) => i.hostId === client.hostId)) continue; // SL103: memcached is there, elsewhere
        if (clientHosts.size >= 2) continue; // the multi-host message below says it
        const capture = deployment.observedSockets.find((o) => o.hostId === client.hostId);
        report({
          messageId: "noLocalMemcached",
          data: { ...data, server: route.server.raw, hostName: hostName(deployment, client.hostId), evidence: capture ? `${capture.files[0]} shows no memcached listener` : "no memcached launch configuration" },
          location: route.server.location,
          key: `${client.id}:no-local:${route.server.raw}`,
        });
      }
      if (clientHosts.size < 2) continue;
      for (const server of client.servers) {
        if (server.host === null || !isLoopbackHost(server.host) || !server.location) continue;
        report({
          messageId: "loopbackMultiHost",
          data: { ...data, server: server.raw, hostCount: clientHosts.size },
          location: server.location,
          key: `${client.id}:loopback:${server.raw}`,
        });
      }
    }
  },
});
