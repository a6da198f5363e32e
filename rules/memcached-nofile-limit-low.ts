import { defineRule } from "../src/engine/rule.js";
import { instanceLabel, originText, settingLocation } from "../src/engine/topology-describe.js";

/**
 * memcached sets RLIMIT_NOFILE to -c at start; when the hard limit is lower it prints "failed to
 * set rlimit for open files" and exits, or (non-root) cannot reach -c (REFERENCE-openstack §5.1).
 */
export default defineRule({
  id: "SL203",
  name: "memcached-nofile-limit-low",
  level: "error",
  tags: ["reliability", "memcached"],
  precision: "high",
  summary: "memcached's open-file limit is below its connection limit.",
  description:
    "Fires when the process's open-file limit (systemd LimitNOFILE=, compose ulimits.nofile) is below -c: memcached refuses to start, or runs out of descriptors before it reaches -c. Listeners, log and internal descriptors need room on top of -c.",
  messages: {
    belowLimit:
      "{instance} may open {limit} files (LimitNOFILE/ulimits) but -c is {connections} ({connectionsOrigin}): memcached exits at start or cannot reach -c. Raise the open-file limit to at least -c + 1024 ({suggest}).",
  },
  check({ deployment, report }) {
    for (const instance of deployment.memcachedInstances) {
      const nofile = instance.nofileLimit?.value;
      const connections = instance.maxConnections.value;
      if (typeof nofile !== "number" || connections === null || nofile >= connections) continue;
      report({
        messageId: "belowLimit",
        data: { instance: instanceLabel(deployment, instance), limit: nofile, connections, connectionsOrigin: originText(instance.maxConnections.origin), suggest: connections + 1024 },
        location: settingLocation(instance, instance.nofileLimit!),
        related: [{ location: settingLocation(instance, instance.maxConnections), message: `-c ${connections}` }],
        key: `${instance.id}:nofile`,
      });
    }
  },
});
