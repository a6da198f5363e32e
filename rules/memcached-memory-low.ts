import { defineRule } from "../src/engine/rule.js";
import { instanceLabel, routesTo, settingLocation } from "../src/engine/topology-describe.js";

/** Kolla sets 256 MB because "default is 64MB, which is too small for production" (REFERENCE-openstack §3.1). */
export default defineRule({
  id: "SL204",
  name: "memcached-memory-low",
  level: "warning",
  tags: ["performance", "memcached"],
  precision: "medium",
  summary: "memcached has 64 MB or less of item memory while serving OpenStack.",
  description:
    "Fires when -m is at or below the memory floor (default 64 MB, memcached's default; thresholds.memoryFloorMb in the config file) on an instance that OpenStack clients use (or that Kolla deploys): Keystone tokens and Swift's account, container and shard-range caches outgrow it and are evicted early.",
  messages: {
    low: "{instance} has -m {memory} MB ({origin}) for {what}: tokens and Swift shard ranges are evicted early. Give it at least 256 MB (Kolla's default) or what `stats` shows it needs.",
  },
  check({ deployment, settings, report }) {
    for (const instance of deployment.memcachedInstances) {
      const memory = instance.memoryLimitMb.value;
      if (memory === null || memory > settings.memoryFloorMb) continue;
      const clients = new Set(routesTo(deployment, instance).map((r) => r.clientId)).size;
      if (clients === 0 && instance.source !== "kolla") continue;
      report({
        messageId: "low",
        data: {
          instance: instanceLabel(deployment, instance),
          memory,
          origin: instance.memoryLimitMb.origin.kind === "file" ? "written" : "memcached's default",
          what: clients > 0 ? `${clients} OpenStack client configuration${clients === 1 ? "" : "s"}` : "a Kolla-deployed OpenStack cache",
        },
        location: settingLocation(instance, instance.memoryLimitMb),
        key: `${instance.id}:memory`,
      });
    }
  },
});
