import { describeFirewallPath, hostName } from "../src/engine/describe.js";
import { findContainingCidr, isPublicAddress, parseCidrList, parseIp } from "../src/engine/ip.js";
import type { RelatedLocation } from "../src/engine/rule.js";
import { defineRule } from "../src/engine/rule.js";
import { effectiveListeners, instanceLabel, listenerText } from "../src/engine/topology-describe.js";
import type { Deployment, MemcachedInstance, MemcachedListener, PublishedPort } from "../src/model/deployment.js";
import type { PacketFamily } from "../src/model/firewall/ruleset.js";
import { decidingLocation, exposureOf, type Exposure } from "../src/model/host-firewall.js";
import { isLoopbackHost } from "../src/model/server-list.js";

/**
 * memcached has no authentication by default: whoever reaches the port reads and rewrites tokens
 * and cached Swift metadata. A wildcard or public listener is as exposed as the host firewall
 * lets it be: the input path is walked for a new connection from sources outside the trusted
 * networks (public addresses not in `trustedNetworks`; private ranges count as the site's own, as
 * for SL108). A port Docker publishes from a bridged network is reachable on every host address
 * and is forwarded (DNAT, then the FORWARD chain) around the INPUT rules.
 */
export default defineRule({
  id: "SL206",
  name: "memcached-exposed",
  level: "warning",
  tags: ["security", "memcached", "firewall"],
  precision: "medium",
  securitySeverity: "6.5",
  summary: "memcached listens on a wildcard or public address that the host firewall leaves open to untrusted networks.",
  description:
    "Fires when an instance listens on every interface (no -l, -l 0.0.0.0, ::, or a wildcard in ss), on a public address, or is a container whose port is published from a bridged network, and the host's firewall dumps accept a new TCP connection to it from a source outside the trusted networks (a public address not in trustedNetworks). Silent when the firewall blocks such sources. At note level when the host has no firewall dump in the inputs, when a rule cannot be decided, and for published container ports (Docker forwards them around the INPUT rules; the FORWARD path is not evaluated).",
  messages: {
    noFirewall:
      "{instance} listens on {listeners}{how}; no firewall rules for {host} are in the inputs, so stacklint cannot tell whether untrusted networks reach it. Bind the management address only (-l <address>), or make sure the firewall admits only the cache clients.",
    open:
      "{instance} listens on {listeners}{how} and the firewall of {host} ({file}) accepts a new TCP connection to {target} from {source}: {path}. memcached has no authentication: bind the management address only (-l <address>), or accept port {port} only from the cache clients; if that network is trusted, add it to trustedNetworks.",
    undecided:
      "{instance} listens on {listeners}{how}; stacklint cannot decide whether the firewall of {host} ({file}) admits untrusted sources to {target}: {reason} (path: {path}). Check that rule by hand, or bind the management address only (-l <address>).",
    published:
      "{instance} is published as {published} on {where} of {host}: Docker forwards published ports with DNAT through the FORWARD chain (DOCKER-USER), around the host's INPUT rules, and stacklint does not evaluate that path. Publish on the management address only (\"<address>:{port}:{containerPort}\") or not at all (containers on the same network reach the service by name).",
  },
  check({ deployment, settings, report }) {
    const trusted = parseCidrList(settings.trustedNetworks).cidrs;
    const untrusted = (text: string): boolean => {
      const address = parseIp(text);
      return address !== null && isPublicAddress(address) && findContainingCidr(trusted, address) === undefined;
    };
    for (const instance of deployment.memcachedInstances) {
      const label = instanceLabel(deployment, instance);
      const host = hostName(deployment, instance.hostId);
      if (instance.container && instance.container.networkMode !== "host") {
        const published = publishedMemcachedPorts(instance);
        if (published.length === 0) continue;
        report({
          messageId: "published",
          level: "note",
          data: {
            instance: label,
            published: published.map(publishedText).join(", "),
            where: published.some((p) => p.hostAddress === null || p.hostAddress === "0.0.0.0" || p.hostAddress === "::") ? "every address" : "a public address",
            host,
            port: published[0]!.hostPort,
            containerPort: published[0]!.containerPort,
          },
          location: published[0]!.location,
          key: `${instance.id}:exposed:published`,
        });
        continue;
      }
      const exposed = effectiveListeners(instance).filter((l) => l.scope === "wildcard" || l.scope === "public");
      if (exposed.length === 0) continue;
      const listeners = exposed.map(listenerText).join(", ");
      const how = exposed.some((l) => l.location === null) ? " (no -l: memcached's default is every interface)" : "";
      const location = exposed.find((l) => l.location)?.location ?? instance.origin;
      const firewall = deployment.firewalls.find((f) => f.hostId === instance.hostId);
      const outcomes = exposed.flatMap((l) => targetsOf(deployment, instance, l).map((t) => ({ target: t, exposure: exposureOf(firewall, instance.hostId, t.address, l.port, t.family, untrusted) })));
      const open = outcomes.find((o) => o.exposure.kind === "accepted");
      const unknown = outcomes.find((o) => o.exposure.kind === "unknown");
      const none = outcomes.find((o) => o.exposure.kind === "no-firewall");
      const chosen = open ?? unknown;
      if (chosen) {
        const exposure = chosen.exposure as Extract<Exposure, { kind: "accepted" | "unknown" }>;
        const side = exposure.verdict;
        const ruleset = side.rulesets[side.decidedBy ?? side.rulesets.length - 1]!;
        const decider = decidingLocation(ruleset);
        const related: RelatedLocation[] = decider ? [{ location: decider, message: open ? "the rule or policy that accepts the connection" : `not understood: ${ruleset.unknownReason ?? "this rule"}` }] : [];
        report({
          messageId: open ? "open" : "undecided",
          ...(open ? {} : { level: "note" as const }),
          data: {
            instance: label,
            listeners,
            how,
            host,
            file: ruleset.file,
            target: chosen.target.text,
            source: exposure.source === null ? "any source" : `${exposure.source}, outside the trusted networks`,
            path: describeFirewallPath(ruleset.path),
            port: chosen.target.port,
            reason: ruleset.unknownReason ?? "a rule cannot be decided",
          },
          location,
          related,
          key: `${instance.id}:exposed`,
        });
        continue;
      }
      if (none && outcomes.every((o) => o.exposure.kind === "no-firewall")) {
        report({ messageId: "noFirewall", level: "note", data: { instance: label, listeners, how, host }, location, key: `${instance.id}:exposed` });
      }
      // Otherwise every untrusted source is dropped or rejected: the firewall does its job.
    }
  },
});

interface Target {
  readonly address: string | null;
  readonly family: PacketFamily;
  readonly port: number;
  readonly text: string;
}

/** The addresses a listener answers on: its own, or every known address of the host for a wildcard. */
function targetsOf(deployment: Deployment, instance: MemcachedInstance, listener: MemcachedListener): Target[] {
  const text = (address: string | null, port: number) => (address === null ? `port ${port}` : address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`);
  if (listener.address !== null) {
    const ip = parseIp(listener.address);
    return [{ address: listener.address, family: ip?.family === 6 ? "ipv6" : "ipv4", port: listener.port, text: text(listener.address, listener.port) }];
  }
  const addresses = deployment.hosts.find((h) => h.id === instance.hostId)?.addresses.filter((a) => parseIp(a) !== null && !isLoopbackHost(a)) ?? [];
  if (addresses.length === 0) return [{ address: null, family: "ipv4", port: listener.port, text: text(null, listener.port) }];
  return addresses.map((a) => ({ address: a, family: parseIp(a)!.family === 6 ? "ipv6" : "ipv4", port: listener.port, text: text(a, listener.port) }));
}

/**
 * Published TCP ports that lead to the instance's memcached port on every host address (no host
 * address in `ports:`, or 0.0.0.0 / ::) or on a public one. A private host address is the fix.
 */
function publishedMemcachedPorts(instance: MemcachedInstance): PublishedPort[] {
  const port = instance.port.value ?? 11211;
  return (instance.container?.published ?? []).filter((p) => {
    if (p.protocol !== "tcp" || p.containerPort !== port) return false;
    if (p.hostAddress === null || p.hostAddress === "0.0.0.0" || p.hostAddress === "::") return true;
    const address = parseIp(p.hostAddress);
    return address !== null && isPublicAddress(address);
  });
}

function publishedText(p: PublishedPort): string {
  const host = p.hostAddress === null ? "" : p.hostAddress.includes(":") ? `[${p.hostAddress}]:` : `${p.hostAddress}:`;
  return `${host}${p.hostPort}->${p.containerPort}/tcp`;
}
