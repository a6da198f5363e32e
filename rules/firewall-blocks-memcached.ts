import { clientLabel, describeFirewallPath, hostName, onHost } from "../src/engine/describe.js";
import type { RelatedLocation } from "../src/engine/rule.js";
import { defineRule } from "../src/engine/rule.js";
import type { Deployment, FirewallPath, HostPathVerdict, RulesetVerdict } from "../src/model/deployment.js";
import { decidingLocation } from "../src/model/host-firewall.js";

/**
 * A firewall that drops or rejects the client's connection looks exactly like a dead memcached:
 * Swift logs `Timeout connecting to memcached` (DROP) or `[Errno 113] No route to host` /
 * `[Errno 111]` (REJECT) and error-limits the server. The verdict is the kernel's walk of the
 * dumped rules for the first packet of the connection (src/model/firewall), on the server host's
 * input path and the client host's output path.
 */
export default defineRule({
  id: "SL301",
  name: "firewall-blocks-memcached",
  level: "error",
  tags: ["security", "reliability", "firewall", "topology"],
  precision: "high",
  securitySeverity: "5.0",
  summary: "A host firewall drops or rejects a cache client's connection to memcached.",
  description:
    "For every server entry of every cache client that resolves to an address, stacklint walks the firewall dumps of the memcached host (iptables-save, iptables -nvL listings, nft list ruleset text or JSON, firewalld zones, OpenStack security-group rules) for a new TCP connection from each address the client host uses, and the client host's own output path, the way the kernel does: base chains in priority order, jumps and returns, policies. It fires when any ruleset drops or rejects the packet, naming the path and the deciding rule or policy. Where the client's address is unknown it evaluates any source outside the server host and says so. A rule the evaluator does not understand makes the verdict unknown: a note naming the expression, never a guess.",
  messages: {
    blocked:
      "{client}{clientHost} cannot reach {server}: the firewall of {host} ({file}) {verdict}s a new TCP connection {packet} on its {hook} path: {path}. Accept TCP {port} from the cache clients before that {decider}, or point the client at a server it may reach.",
    unknown:
      "stacklint cannot decide whether the firewall of {host} ({file}) lets {client}{clientHost} reach {server} ({packet}, {hook} path): {reason}. Check that rule by hand; the path so far: {path}.",
  },
  check({ deployment, report }) {
    for (const path of deployment.firewallPaths) {
      const client = deployment.cacheClients.find((c) => c.id === path.clientId);
      if (!client) continue;
      const sides = [path.input, path.output].filter((s): s is HostPathVerdict => s !== null);
      const blocked = sides.filter((s) => s.verdict === "drop" || s.verdict === "reject");
      const undecided = blocked.length > 0 ? [] : sides.filter((s) => s.verdict === "unknown");
      for (const side of [...blocked, ...undecided]) {
        const ruleset = side.rulesets[side.decidedBy ?? 0]!;
        const isBlocked = side.verdict !== "unknown";
        const decider = decidingLocation(ruleset);
        const related: RelatedLocation[] = [];
        if (decider) related.push({ location: decider, message: deciderMessage(ruleset, isBlocked) });
        report({
          messageId: isBlocked ? "blocked" : "unknown",
          ...(isBlocked ? {} : { level: "note" as const }),
          data: {
            client: clientLabel(client),
            clientHost: onHost(deployment, client.hostId),
            server: path.server.raw,
            host: hostName(deployment, side.hostId),
            file: ruleset.file,
            verdict: side.verdict === "reject" ? "reject" : "drop",
            packet: packetText(deployment, path, side),
            hook: side.hook === "input" ? "input" : "output",
            path: describeFirewallPath(ruleset.path),
            port: path.port,
            decider: ruleset.decidingRule ? "rule" : "policy",
            reason: ruleset.unknownReason ?? "a rule cannot be decided",
          },
          location: path.server.location ?? client.section.location,
          related,
          key: `${client.id}:firewall:${side.hook}:${path.clientAddress ?? "any"}->${path.serverAddress}:${path.port}`,
        });
      }
    }
  },
});

function deciderMessage(ruleset: RulesetVerdict, blocked: boolean): string {
  if (!blocked) return `not understood: ${ruleset.unknownReason ?? "this rule"}`;
  if (ruleset.decidingRule) return `the rule that ${ruleset.verdict === "reject" ? "rejects" : "drops"} the connection`;
  return `the policy of ${ruleset.decidingPolicy?.chain ?? "the chain"} (${ruleset.verdict})`;
}

function packetText(deployment: Deployment, path: FirewallPath, side: HostPathVerdict): string {
  const target = path.serverAddress.includes(":") ? `[${path.serverAddress}]:${path.port}` : `${path.serverAddress}:${path.port}`;
  const source =
    path.clientAddress !== null
      ? `from ${path.clientAddress}`
      : `from any source outside ${path.serverHostId ? hostName(deployment, path.serverHostId) : "the server host"} (the address of ${hostName(deployment, path.clientHostId)} is not in the inputs)`;
  const via = side.interface ? ` via ${side.interface}` : "";
  return `${source} to ${target}${via}`;
}
