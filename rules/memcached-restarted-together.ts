import { hostName } from "../src/engine/describe.js";
import { defineRule } from "../src/engine/rule.js";
import { formatTime, restartedTogether } from "../src/model/runtime/correlate.js";

/** Every memcached instance (≥ 2) starting within one window: the whole cache was lost at once. */
export default defineRule({
  id: "SL406",
  name: "memcached-restarted-together",
  level: "warning",
  tags: ["reliability", "memcached", "runtime"],
  precision: "high",
  summary: "All memcached instances restarted within a few minutes of each other.",
  description:
    "Several memcached servers exist so that losing one loses a share of the cache. Restarting them all together (a deploy with no serialisation, Kolla's `serial: 0`, a reboot of every controller) empties the whole cache at once: every token is re-validated and every account, container and shard-range lookup goes to the backend. Evidence: journald/docker start lines, or `uptime` in stats dumps.",
  messages: {
    together:
      "all {instances} memcached instances ({hosts}) started within {span} s of each other (window {window} s), from {first}: the whole cache was emptied at once. Restart memcached one host at a time (Kolla: serial for the memcached play).",
  },
  check({ deployment, settings, report }) {
    const group = restartedTogether(deployment, settings.restartWindowSeconds);
    if (!group) return;
    const [first, ...others] = group.starts;
    report({
      messageId: "together",
      data: {
        instances: group.instances,
        hosts: group.starts.map((s) => hostName(deployment, s.hostId)).join(", "),
        span: group.spanSeconds,
        window: settings.restartWindowSeconds,
        first: formatTime(first!.time),
      },
      location: first!.location,
      related: others.map((s) => ({ location: s.location, message: `memcached on ${hostName(deployment, s.hostId)} started at ${formatTime(s.time)}${s.from === "uptime" ? " (from its uptime)" : ""}` })),
      key: "memcached-restarted-together",
    });
  },
});
