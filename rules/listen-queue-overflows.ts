import { hostName } from "../src/engine/describe.js";
import { defineRule, type RelatedLocation } from "../src/engine/rule.js";

/** TcpExt ListenOverflows / ListenDrops (REFERENCE §5.2): host-wide, since boot, not per port. */
export default defineRule({
  id: "SL404",
  name: "listen-queue-overflows",
  level: "warning",
  tags: ["reliability", "kernel", "runtime"],
  precision: "medium",
  summary: "The kernel dropped connections because a listen queue overflowed.",
  description:
    "`ListenOverflows` counts connections dropped because a listener's accept queue — min(listen backlog, net.core.somaxconn) — was full; `ListenDrops` counts every SYN to a listener that was dropped. Clients see connect timeouts (Swift: `Timeout connecting to memcached`). The counters are host-wide and count since boot, so they may belong to another listener on the host.",
  messages: {
    overflow:
      "the kernel of {host} counted {evidence} ({kind}); these counters are host-wide since boot and not per port, so check memcached's backlog: min(-b, net.core.somaxconn) and `ss -lt` Send-Q on port 11211.{syn}",
  },
  check({ deployment, report }) {
    for (const source of deployment.runtime.counterSources) {
      if (source.kind === "memcached-stats" || source.kind === "memcached-settings") continue;
      const hits = ["TcpExtListenOverflows", "TcpExtListenDrops"].map((name) => source.counters.find((c) => c.name === name)).filter((c) => c !== undefined && c.value > 0);
      if (hits.length === 0) continue;
      const floods = deployment.runtime.synFloods.filter((s) => s.hostId === source.hostId);
      const related: RelatedLocation[] = [
        ...hits.slice(1).map((c) => ({ location: c!.location, message: `${c!.name} ${c!.value}` })),
        ...floods.map((s) => ({ location: s.first.location, message: `the kernel logged SYN flooding on port ${s.condition} (${s.count} times)` })),
      ];
      report({
        messageId: "overflow",
        data: {
          host: hostName(deployment, source.hostId),
          evidence: hits.map((c) => `${c!.name} ${c!.value}`).join(" and "),
          kind: source.kind,
          syn: floods.length > 0 ? ` Its log also shows SYN flooding on port ${floods.map((s) => s.condition).join(", ")}.` : "",
        },
        location: hits[0]!.location,
        related,
        key: `${source.file}:listen-overflows`,
      });
    }
  },
});
