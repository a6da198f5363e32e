import { defineRule } from "../src/engine/rule.js";
import { instanceLabel, settingLocation } from "../src/engine/topology-describe.js";

/** UDP memcached is a DDoS amplifier (CVE-2018-1000115); off by default since 1.5.6. */
export default defineRule({
  id: "SL205",
  name: "memcached-udp-enabled",
  level: "error",
  tags: ["security", "memcached"],
  precision: "very-high",
  securitySeverity: "7.5",
  summary: "memcached has UDP enabled.",
  description:
    "Fires when -U is non-zero in a launch configuration, or memcached is seen on a UDP socket: spoofed UDP requests make memcached send responses many times larger to a victim (reflection/amplification, CVE-2018-1000115). OpenStack clients use TCP only.",
  messages: {
    udp: "{instance} listens for UDP on port {port} ({where}): a reflection/amplification risk (CVE-2018-1000115), and no OpenStack client uses UDP. Set -U 0.",
  },
  check({ deployment, report }) {
    for (const instance of deployment.memcachedInstances) {
      const port = instance.udpPort.value;
      if (port === null || port === 0) continue;
      report({
        messageId: "udp",
        data: { instance: instanceLabel(deployment, instance), port, where: instance.source === "observed" ? "seen in the socket capture" : "-U" },
        location: settingLocation(instance, instance.udpPort),
        key: `${instance.id}:udp`,
      });
    }
  },
});
