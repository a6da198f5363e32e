import { defineRule } from "../src/engine/rule.js";
import { instanceLabel, kernelOf, listenerText, originLocation, settingLocation } from "../src/engine/topology-describe.js";

/**
 * The accept queue is min(listen() backlog, net.core.somaxconn); when it is full, new
 * connections time out (Swift: `Timeout connecting to memcached`). memcached asks for -b 1024;
 * somaxconn is 128 before Linux 5.4 (REFERENCE-openstack §5.2).
 */
export default defineRule({
  id: "SL302",
  name: "listen-backlog-low",
  level: "warning",
  tags: ["reliability", "performance", "kernel", "memcached"],
  precision: "high",
  summary: "memcached's effective accept backlog is below the floor.",
  description:
    "Computes the effective accept backlog of each memcached listener, min(-b, net.core.somaxconn), with somaxconn from sysctl -a, /proc/sys, sysctl.conf and sysctl.d in systemd-sysctl's order, or the kernel default for the bundle's kernel version (4096 since 5.4, 128 before; the message says which was assumed). Fires below the floor (1024); also when ss shows a smaller Send-Q on a memcached LISTEN socket.",
  messages: {
    effective:
      "{instance} gets an accept backlog of {effective} = min(-b {backlog}, net.core.somaxconn {somaxconn}{assumed}), below {floor}: bursts of new connections time out. {fix}",
    observed: "ss shows an accept backlog (Send-Q) of {sendQ} for {instance} on {listener}, below {floor}: bursts of new connections time out. Raise net.core.somaxconn and -b, then restart memcached.",
  },
  check({ deployment, settings, report }) {
    for (const instance of deployment.memcachedInstances) {
      const floor = settings.listenBacklogFloor;
      const backlog = instance.listenBacklog.value;
      const kernel = kernelOf(deployment, instance.hostId);
      const somaxconn = kernel?.somaxconn.value ?? null;
      if (backlog !== null && instance.listeners.length > 0) {
        const effective = somaxconn === null ? backlog : Math.min(backlog, somaxconn);
        if (effective < floor) {
          const kernelLimits = somaxconn !== null && somaxconn < backlog;
          const somaxconnLine = kernel ? originLocation(kernel.somaxconn.origin) : null;
          const location = kernelLimits && somaxconnLine ? somaxconnLine : settingLocation(instance, instance.listenBacklog);
          const related = [
            ...(kernelLimits && somaxconnLine ? [{ location: instance.origin, message: `${instanceLabel(deployment, instance)}` }] : []),
            ...(kernelLimits && !somaxconnLine && kernel?.kernelRelease ? [{ location: kernel.kernelRelease.location, message: `kernel ${kernel.kernelRelease.value}` }] : []),
          ];
          report({
            messageId: "effective",
            data: {
              instance: instanceLabel(deployment, instance),
              effective,
              backlog,
              somaxconn: somaxconn ?? "unknown",
              assumed: kernel?.somaxconn.assumed ? `, ${kernel.somaxconn.assumed}` : "",
              floor,
              fix: kernelLimits ? `Set net.core.somaxconn = ${Math.max(backlog, floor)} or more in /etc/sysctl.d/.` : `Raise -b to ${floor} or more${somaxconn !== null && somaxconn < floor ? ` and net.core.somaxconn with it` : ""}.`,
            },
            location,
            related,
            key: `${instance.id}:backlog`,
          });
          continue;
        }
      }
      const small = instance.observedListeners.find((l) => l.acceptBacklog !== undefined && l.acceptBacklog < floor);
      if (small && small.location) {
        report({
          messageId: "observed",
          data: { sendQ: small.acceptBacklog!, instance: instanceLabel(deployment, instance), listener: listenerText(small), floor },
          location: small.location,
          key: `${instance.id}:observed-backlog`,
        });
      }
    }
  },
});
